import type { Readable } from 'node:stream';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { classifyRequest, type GraphPrincipal, type PacingClaim } from '../pacing/classify';
import type { GraphPacer, PacingGrant } from '../pacing/pacer';
import { RETRYABLE_STATUSES, retryDelayMs } from '../pacing/retry-after';
import { splitIntoBatches, type BatchItem } from './batch';
import { GraphRequestError, graphErrorOf, lowerCaseHeaders, type GraphResponse } from './graph-error';
import type { GraphMetrics } from './graph-metrics';
import { redactQuery, type GraphCall, type GraphMethod, type GraphTransport } from './transport';

export interface RetrySettings {
  /** Tries per request (and per $batch inner request), the first included. */
  readonly maxAttempts: number;
  readonly timeScale: number;
  /** A single wait longer than this is not waited out in-process: the request fails as retryable instead. */
  readonly maxWaitMs: number;
}

/** Where the bearer token comes from; invalidate() after a 401 so the next get() fetches a fresh one. */
export interface AccessTokenSource {
  get(): Promise<string>;
  invalidate(): void;
}

export interface GraphApiDependencies {
  readonly transport: GraphTransport;
  readonly principal: GraphPrincipal;
  readonly token: AccessTokenSource;
  readonly pacer: GraphPacer;
  readonly retry: RetrySettings;
  readonly metrics?: GraphMetrics;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Pacing claims instead of the ones derived from method and path. */
  readonly claims?: readonly PacingClaim[];
  /**
   * The caller already acquired this request's pacing with acquire() (to decide what to send once Graph's limit
   * lets it go): the first attempt goes out at once, retries are paced as usual. Pass the grant acquire() returned
   * (`true` still works) so its acquisitions are restamped when Graph answers.
   */
  readonly prepaced?: boolean | PacingGrant;
  /** Hand a 2xx body over as a Readable, unread (see GraphCall.streamBody). */
  readonly streamBody?: boolean;
}

/** A file's bytes as Graph streams them: the caller must consume or destroy `body`. */
export interface GraphDownload {
  readonly body: Readable;
  readonly contentType: string;
  /** Absent when Graph sends the bytes chunked. */
  readonly contentLength?: number;
}

/**
 * Graph for one principal (an app in a tenant, or a delegated user): every request is paced through the shared
 * sliding windows of the limits it passes, 429/503/504 are retried after Retry-After (scaled with the time scale) or an
 * exponential backoff, a 401 refreshes the token once, and $batch inner responses get the same treatment.
 */
export class GraphApi {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly deps: GraphApiDependencies) {
    this.sleep = deps.sleep ?? ((ms) => sleepFor(ms));
    this.now = deps.now ?? Date.now;
  }

  get principal(): GraphPrincipal {
    return this.deps.principal;
  }

  /** A 2xx answer, or GraphRequestError for anything else once retries are spent. */
  async request<T = unknown>(method: GraphMethod, path: string, options: RequestOptions = {}): Promise<GraphResponse<T>> {
    const claims = options.claims ?? classifyRequest(method, path, this.deps.principal);
    const call: GraphCall = { method, path, body: options.body, headers: options.headers, ...(options.streamBody ? { streamBody: true } : {}) };
    let refreshedToken = false;
    let paced = options.prepaced !== undefined && options.prepaced !== false;
    let grant = typeof options.prepaced === 'object' ? options.prepaced : undefined;
    for (let attempt = 1; ; attempt++) {
      if (!paced) grant = await this.acquireFor(claims);
      paced = false;
      let response: GraphResponse;
      const sent = performance.now();
      try {
        response = await this.deps.pacer.carry(grant, () => this.exchange(call));
      } catch (error) {
        this.deps.metrics?.platform?.observe('teams', tightest(claims), 'error', (performance.now() - sent) / 1000);
        throw error;
      } finally {
        grant = undefined;
      }
      this.deps.metrics?.platform?.observe('teams', tightest(claims), outcomeOf(response.status), (performance.now() - sent) / 1000);
      this.deps.metrics?.responses.inc({ status: String(response.status), batched: 'false' });
      if (response.status >= 200 && response.status < 300) return response as GraphResponse<T>;
      if (response.status === 401 && !refreshedToken) {
        refreshedToken = true;
        this.deps.token.invalidate();
        attempt--;
        continue;
      }
      if (response.status === 429) this.deps.metrics?.throttled.inc({ limit: tightest(claims) });
      if (RETRYABLE_STATUSES.has(response.status) && attempt < this.deps.retry.maxAttempts) {
        await this.backOff(response.headers, attempt, call);
        continue;
      }
      const { code, message } = graphErrorOf(response.body);
      throw new GraphRequestError(response.status, code, message, `${method} ${redactQuery(path)}`, response.headers);
    }
  }

  /**
   * Waits until the request may go out: takes the bearer token, then acquires room in every pacing window the request
   * passes (per team, per tenant...). Send right after, with request(..., { prepaced: <the grant returned> }).
   */
  async acquire(method: GraphMethod, path: string, claims: readonly PacingClaim[] = classifyRequest(method, path, this.deps.principal)): Promise<PacingGrant> {
    return this.acquireFor(claims);
  }

  async get<T = unknown>(path: string): Promise<T> {
    return (await this.request<T>('GET', path)).body;
  }

  async post<T = unknown>(path: string, body: unknown): Promise<T> {
    return (await this.request<T>('POST', path, { body })).body;
  }

  async patch<T = unknown>(path: string, body: unknown): Promise<T> {
    return (await this.request<T>('PATCH', path, { body })).body;
  }

  async put<T = unknown>(path: string, body: unknown, headers?: Readonly<Record<string, string>>): Promise<T> {
    return (await this.request<T>('PUT', path, { body, ...(headers ? { headers } : {}) })).body;
  }

  /**
   * A file's bytes (`.../hostedContents/{id}/$value`, `/shares/{id}/driveItem/content`), streamed: paced and retried
   * like any request until Graph answers 2xx (a redirect to a download URL is followed), then handed over unread.
   */
  async download(path: string): Promise<GraphDownload> {
    const response = await this.request<Readable>('GET', path, { streamBody: true });
    const length = Number(response.headers['content-length']);
    return {
      body: response.body,
      contentType: response.headers['content-type'] ?? 'application/octet-stream',
      ...(response.headers['content-length'] !== undefined && Number.isFinite(length) ? { contentLength: length } : {}),
    };
  }

  /** GET that answers null for a 404 instead of throwing. */
  async getOrNull<T = unknown>(path: string): Promise<T | null> {
    try {
      return await this.get<T>(path);
    } catch (error) {
      if (error instanceof GraphRequestError && error.status === 404) return null;
      throw error;
    }
  }

  /**
   * Sends requests through `/$batch`, 20 at most per batch and never more on one pacing window than its limit. Each
   * inner request is paced like a request of its own (a batch acquires them together); inner 429/503/504 are sent
   * again (in a new batch) after their Retry-After, up to maxAttempts. Answers come back in the order of `items`,
   * whatever their status.
   */
  async batch(items: readonly BatchItem[]): Promise<GraphResponse[]> {
    const claimsOf = new Map(items.map((item) => [item, classifyRequest(item.method, item.url, this.deps.principal)]));
    const results = new Map<BatchItem, GraphResponse>();
    const chunks = splitIntoBatches(items, (item) => claimsOf.get(item) ?? [], (limit) => this.deps.pacer.perBatch(limit));
    for (const chunk of chunks) {
      let pending = chunk;
      for (let attempt = 1; pending.length > 0; attempt++) {
        await this.deps.token.get();
        const grant = await this.pace(pending.flatMap((item) => claimsOf.get(item) ?? []));
        let answers: GraphResponse[];
        const sent = performance.now();
        try {
          answers = await this.deps.pacer.carry(grant, () => this.sendBatch(pending));
          this.deps.metrics?.platform?.requestSeconds.observe({ platform: 'teams', limit: 'batch', outcome: 'ok' }, (performance.now() - sent) / 1000);
        } catch (error) {
          this.deps.metrics?.platform?.requestSeconds.observe({ platform: 'teams', limit: 'batch', outcome: 'error' }, (performance.now() - sent) / 1000);
          throw error;
        }
        const again: BatchItem[] = [];
        let wait = 0;
        pending.forEach((item, index) => {
          const answer = answers[index] as GraphResponse;
          this.deps.metrics?.responses.inc({ status: String(answer.status), batched: 'true' });
          if (answer.status === 429) {
            this.deps.metrics?.throttled.inc({ limit: tightest(claimsOf.get(item) ?? []) });
            this.deps.metrics?.platform?.throttled.inc({ platform: 'teams', limit: tightest(claimsOf.get(item) ?? []) });
          }
          if (RETRYABLE_STATUSES.has(answer.status) && attempt < this.deps.retry.maxAttempts) {
            again.push(item);
            wait = Math.max(wait, this.delayFor(answer.headers, attempt));
          } else {
            results.set(item, answer);
          }
        });
        if (again.length > 0) await this.wait(wait, `inner requests of POST /$batch`);
        pending = again;
      }
    }
    return items.map((item) => results.get(item) as GraphResponse);
  }

  /** Every page of a collection, following `@odata.nextLink`; the last page's `@odata.deltaLink` comes back too. */
  async *pages<T>(path: string): AsyncGenerator<{ value: T[]; deltaLink?: string }> {
    let next: string | undefined = path;
    while (next) {
      const page: { value?: T[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string } = await this.get(next);
      next = page['@odata.nextLink'];
      yield { value: page.value ?? [], deltaLink: page['@odata.deltaLink'] };
    }
  }

  private async sendBatch(items: readonly BatchItem[]): Promise<GraphResponse[]> {
    const requests = items.map((item, index) => {
      const headers = { ...(item.body === undefined ? {} : { 'content-type': 'application/json' }), ...item.headers };
      return {
        id: String(index + 1),
        method: item.method,
        url: item.url,
        ...(item.body === undefined ? {} : { body: item.body }),
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
      };
    });
    // The outer request passes no limit of its own: its inner requests were paced above.
    const outer = await this.request<{ responses?: { id: string; status: number; headers?: Record<string, string>; body?: unknown }[] }>('POST', '/$batch', {
      body: { requests },
      claims: [],
    });
    const byId = new Map((outer.body.responses ?? []).map((r) => [r.id, r]));
    return items.map((item, index) => {
      const answer = byId.get(String(index + 1));
      if (!answer) throw new GraphRequestError(502, null, `the $batch answer has no response for request ${index + 1}`, `${item.method} ${redactQuery(item.url)}`);
      return { status: answer.status, headers: lowerCaseHeaders(answer.headers), body: answer.body };
    });
  }

  private async acquireFor(claims: readonly PacingClaim[]): Promise<PacingGrant> {
    // The bearer token first: fetching it between acquiring and sending would delay paced requests unevenly, and a
    // subject identity cannot sign in as (NeedsAttentionError) must surface as itself, not as the SDK's network error.
    await this.deps.token.get();
    return this.pace(claims);
  }

  private async pace(claims: readonly PacingClaim[]): Promise<PacingGrant> {
    const grant = await this.deps.pacer.acquire(claims);
    if (claims.length > 0) {
      this.deps.metrics?.pacingWait.observe({ limit: tightest(claims) }, grant.waitedMs / 1000);
      this.deps.metrics?.platform?.pacingWait.observe({ platform: 'teams', limit: tightest(claims) }, grant.waitedMs / 1000);
    }
    return grant;
  }

  private async exchange(call: GraphCall): Promise<GraphResponse> {
    try {
      return await this.deps.transport.send(call);
    } catch (error) {
      if (error instanceof GraphRequestError) this.deps.metrics?.responses.inc({ status: '0', batched: 'false' });
      throw error;
    }
  }

  private delayFor(headers: Readonly<Record<string, string>>, attempt: number): number {
    return retryDelayMs({ retryAfter: headers['retry-after'], attempt, timeScale: this.deps.retry.timeScale, now: this.now() });
  }

  private async backOff(headers: Readonly<Record<string, string>>, attempt: number, call: GraphCall): Promise<void> {
    await this.wait(this.delayFor(headers, attempt), `${call.method} ${redactQuery(call.path)}`);
  }

  private async wait(ms: number, target: string): Promise<void> {
    if (ms > this.deps.retry.maxWaitMs) {
      throw new GraphRequestError(429, 'RetryTooFarAway', `Graph asked to wait ${Math.round(ms)} ms, longer than the ${this.deps.retry.maxWaitMs} ms this process waits in place`, target);
    }
    await this.sleep(ms);
  }
}

function outcomeOf(status: number): 'ok' | 'throttled' | 'error' {
  if (status === 429) return 'throttled';
  return status >= 200 && status < 400 ? 'ok' : 'error';
}

/** The limit a request is most constrained by, as a metrics label: the per-team or per-chat one if any, else the first. */
function tightest(claims: readonly PacingClaim[]): string {
  if (claims.length === 0) return 'none';
  const narrow = claims.find((c) => c.limit === 'perTeam') ?? claims.find((c) => c.limit === 'perUserPerChat') ?? claims.find((c) => c.limit === 'perChat');
  return (narrow ?? claims.find((c) => c.limit === 'invitations') ?? (claims[0] as PacingClaim)).limit;
}

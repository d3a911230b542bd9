import http from 'node:http';
import type { App } from '../model';
import { signSlackRequest } from '../signing';
import type { FaultInjector } from '../faults';

export interface DeliveryTiming {
  /** Delays before retry 1, 2, 3 (Slack: at once, ~1 min, ~5 min). */
  readonly retryDelaysMs: readonly number[];
  /** How long the receiver has to answer 2xx before Slack counts an http_timeout (3 s). */
  readonly ackTimeoutMs: number;
}

export type DeliveryOutcome = 'acked' | 'http_error' | 'http_timeout' | 'connection_failed' | 'dropped';

/** One HTTP attempt (or a dropped event), as the inspection API reports it. */
export interface DeliveryRecord {
  readonly eventId: string;
  readonly appId: string;
  readonly type: string;
  readonly url: string;
  readonly attempt: number;
  readonly retryReason?: string;
  outcome?: DeliveryOutcome;
  status?: number;
  readonly at: number;
  readonly body: string;
}

export interface PostResult {
  readonly outcome: DeliveryOutcome;
  readonly status?: number;
  readonly body?: string;
  readonly noRetry?: boolean;
}

/** POSTs a signed JSON body; settles at the first of: an answer, an error, or the ack timeout. */
export function postSigned(url: string, body: string, secret: string, timeoutMs: number, extraHeaders: Record<string, string> = {}, agent?: http.Agent): Promise<PostResult> {
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (result: PostResult) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve(result);
      }
    };
    const timestamp = Math.floor(Date.now() / 1000);
    let request: http.ClientRequest;
    try {
      request = http.request(url, {
        method: 'POST',
        agent: agent ?? false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
          'x-slack-request-timestamp': String(timestamp),
          'x-slack-signature': signSlackRequest(secret, timestamp, body),
          ...extraHeaders,
        },
      });
    } catch {
      resolve({ outcome: 'connection_failed' });
      return;
    }
    // Slack does not wait past the timeout: it retries while the slow answer may still be on its way. The clock starts
    // when the request has a connection (connecting counts; waiting for one of the sandbox's own sockets does not), and
    // the deadline is judged after any answer already waiting on the socket (setImmediate runs after this turn's I/O):
    // the sandbox shares the machine, and this process's event loop, with Parley, and its own lateness must not count
    // against the receiver. Slack's clock runs on Slack's servers.
    request.once('socket', () => {
      if (!settled) timer = setTimeout(() => setImmediate(() => settle({ outcome: 'http_timeout' })), timeoutMs);
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('error', () => settle({ outcome: 'connection_failed' }));
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString('utf8');
        const ok = status >= 200 && status < 300;
        settle({ outcome: ok ? 'acked' : 'http_error', status, body: text, noRetry: response.headers['x-slack-no-retry'] === '1' });
      });
    });
    request.on('error', () => settle({ outcome: 'connection_failed' }));
    request.end(body);
  });
}

/**
 * Delivers event_callback envelopes to an app's request URL with Slack's retry behaviour: up to three retries,
 * each carrying X-Slack-Retry-Num and X-Slack-Retry-Reason, unless the receiver answers with X-Slack-No-Retry: 1.
 */
export class EventDeliverer {
  readonly log: DeliveryRecord[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  /** Bumped by clear(): answers to requests sent before a reset schedule no retries. */
  private generation = 0;
  // Keep-alive to receivers, like Slack's delivery fleet; destroyed on stop so no socket outlives the sandbox.
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(
    private readonly timing: DeliveryTiming,
    private readonly faults: FaultInjector,
  ) {}

  deliver(app: App, eventId: string, type: string, body: string): void {
    const url = app.eventsUrl;
    if (!url) return;
    if (this.faults.dropEvent()) {
      this.log.push({ eventId, appId: app.id, type, url, attempt: 0, outcome: 'dropped', at: Date.now(), body });
      return;
    }
    this.attempt(app, url, eventId, type, body, 0, undefined);
    if (this.faults.duplicateEvent()) this.attempt(app, url, eventId, type, body, 0, undefined);
  }

  private attempt(app: App, url: string, eventId: string, type: string, body: string, attempt: number, reason: string | undefined): void {
    const record: DeliveryRecord = { eventId, appId: app.id, type, url, attempt, retryReason: reason, at: Date.now(), body };
    this.log.push(record);
    const headers: Record<string, string> = reason ? { 'x-slack-retry-num': String(attempt), 'x-slack-retry-reason': reason } : {};
    this.inFlight++;
    const generation = this.generation;
    void postSigned(url, body, app.signingSecret, this.timing.ackTimeoutMs, headers, this.agent).then((result) => {
      record.outcome = result.outcome;
      record.status = result.status;
      if (generation === this.generation && result.outcome !== 'acked' && !result.noRetry && attempt < this.timing.retryDelaysMs.length) {
        const delay = this.timing.retryDelaysMs[attempt] ?? 0;
        this.inFlight++;
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.inFlight--;
          this.attempt(app, url, eventId, type, body, attempt + 1, result.outcome);
        }, delay);
        this.timers.add(timer);
      }
      this.inFlight--;
      this.notifyIdle();
    });
  }

  private notifyIdle(): void {
    if (this.inFlight > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves once no delivery or retry is pending. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.inFlight -= this.timers.size;
    this.timers.clear();
    this.generation++;
    this.log.length = 0;
    this.notifyIdle();
  }

  close(): void {
    this.clear();
    this.agent.destroy();
  }
}


import type { ConnectionView, PersonView, UserSyncView } from '@parley/internal-api';

/** An RFC 9457 problem the gateway answered, kept whole so a caller can print or assert on it. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly problem: Record<string, unknown>,
  ) {
    super(`${status} ${String(problem['title'] ?? '')}: ${String(problem['detail'] ?? '')}`);
    this.name = 'ApiProblem';
  }
}

/**
 * A thin client of Parley's public admin API, used by `npm run demo`, the acceptance tests and the benchmark:
 * exactly the HTTP calls an admin makes, nothing behind the gateway's back.
 */
export class AdminApi {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  withKey(apiKey: string): AdminApi {
    return new AdminApi(this.baseUrl, apiKey);
  }

  /** The same key against another address (the gateway restarted on another port). */
  withBaseUrl(baseUrl: string): AdminApi {
    return new AdminApi(baseUrl, this.apiKey);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; headers: Headers }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as T) : (undefined as T);
    return { status: response.status, body: parsed, headers: response.headers };
  }

  /** Like `request`, but an answer other than `expected` throws the problem. */
  async expect<T>(expected: number, method: string, path: string, body?: unknown): Promise<T> {
    const answer = await this.request<T>(method, path, body);
    if (answer.status !== expected) throw new ApiProblem(answer.status, (answer.body ?? {}) as Record<string, unknown>);
    return answer.body;
  }

  createOrg(name: string): Promise<{ id: string; name: string; adminApiKey: string }> {
    return this.expect(201, 'POST', '/v1/orgs', { name });
  }

  connect(input: Record<string, unknown>): Promise<ConnectionView> {
    return this.expect(201, 'POST', '/v1/connections', input);
  }

  startSync(mode: 'guest' | 'account'): Promise<UserSyncView> {
    return this.expect(202, 'POST', '/v1/user-syncs', { mode });
  }

  sync(id: string): Promise<UserSyncView> {
    return this.expect(200, 'GET', `/v1/user-syncs/${id}`);
  }

  /** Polls a sync until it ends, reporting each change of progress. */
  async waitForSync(id: string, options: { timeoutMs?: number; intervalMs?: number; onProgress?: (sync: UserSyncView) => void } = {}): Promise<UserSyncView> {
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    let last = '';
    for (;;) {
      const sync = await this.sync(id);
      const fingerprint = `${sync.status}:${sync.phase}:${sync.done}/${sync.total}`;
      if (fingerprint !== last) {
        last = fingerprint;
        options.onProgress?.(sync);
      }
      if (['succeeded', 'partially_failed', 'failed'].includes(sync.status)) return sync;
      if (Date.now() > deadline) throw new Error(`sync ${id} did not finish in time; last seen ${fingerprint}`);
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
    }
  }

  /** Every person of the org, following the cursor. */
  async allPeople(filter: Record<string, string> = {}): Promise<PersonView[]> {
    const people: PersonView[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ ...filter, limit: '200', ...(cursor ? { cursor } : {}) });
      const page: { items: PersonView[]; nextCursor: string | null } = await this.expect(200, 'GET', `/v1/people?${query}`);
      people.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return people;
  }
}

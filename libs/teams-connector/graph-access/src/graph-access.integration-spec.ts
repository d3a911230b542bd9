import { Registry } from 'prom-client';
import { Agent } from 'undici';
import { createInMemoryCache, createRedisConnection, type SlidingWindowLimiter } from '@parley/cache';
import { Secret } from '@parley/config';
import { startGraphSandbox, type GraphSandbox, type SeededCredentials } from '@parley/sandbox-graph';
import { InternalApiAccess } from '@parley/service-runtime';
import { integrationEnv, uniqueSuffix } from '@parley/testing';
import { graphAccessConfig } from './config';
import { GraphAccess } from './graph-access';
import { GraphMetrics } from './graph/graph-metrics';
import { IdentityAccess } from './identity/identity-access';
import { requestToken } from './identity/token-endpoint';

// GraphApi over the official SDK against the Graph sandbox: pacing, 429 handling, $batch, nextLinks.
describe('GraphAccess against the Graph sandbox', () => {
  const timeScale = 0.2;
  let sandbox: GraphSandbox;
  let credentials: SeededCredentials;
  let dispatcher: Agent;
  let token: string;

  const access = (limits: Parameters<typeof graphAccessConfig>[0], windowLimiter: SlidingWindowLimiter = createInMemoryCache().slidingWindow) => {
    const metrics = new GraphMetrics(new Registry());
    const graph = new GraphAccess({
      identity: new IdentityAccess(new InternalApiAccess(new Secret('x'.repeat(32)), {})),
      windowLimiter,
      config: graphAccessConfig({ timeScale, ...limits }),
      metrics,
      dispatcher,
    });
    return { metrics, api: graph.withToken(sandbox.graphUrl, { tenantId: credentials.customerTenantId, clientId: credentials.clientId }, token) };
  };

  beforeAll(async () => {
    sandbox = await startGraphSandbox({ limits: { enabled: true, timeScale } });
    credentials = sandbox.seedDemo();
    dispatcher = new Agent({ connect: { ca: sandbox.caPem } });
    const outcome = await requestToken(
      { authorityUrl: sandbox.url, tenant: credentials.customerTenantId, dispatcher },
      { grant_type: 'client_credentials', client_id: credentials.clientId, client_secret: new Secret(credentials.clientSecret), scope: 'https://graph.microsoft.com/.default' },
    );
    if (!outcome.ok) throw new Error(outcome.description);
    token = outcome.accessToken;
  });

  afterAll(async () => {
    await dispatcher?.close();
    await sandbox?.stop();
  });

  beforeEach(() => {
    sandbox.setLimits({ enabled: true, timeScale });
    sandbox.inspect.resetStatusCounts();
  });

  it('sends inner requests Graph throttled inside a $batch again until they all succeed', async () => {
    // Pacing set far looser than what the sandbox enforces (4 per team per window), so Graph throttles inside the batch.
    const { api, metrics } = access({ limits: { teamsGet: { requests: 1_000, windowMs: 1_000 }, perTeam: { requests: 1_000, windowMs: 1_000 } } });
    const answers = await api.batch(Array.from({ length: 8 }, () => ({ method: 'GET' as const, url: `/teams/${credentials.teamId}?$select=id` })));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(answers.every((a) => (a.body as { id: string }).id === credentials.teamId)).toBe(true);
    expect(sandbox.inspect.statusCounts()[429]).toBeGreaterThanOrEqual(4);
    expect(await metrics.throttledTotal()).toBe(sandbox.inspect.statusCounts()[429]);
  });

  it('paced at the documented limits, the same reads draw no 429 at all', async () => {
    const { api, metrics } = access({});
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 12 }, () => api.get<{ id: string }>(`/teams/${credentials.teamId}?$select=id`)));
    expect(answers.every((a) => a.id === credentials.teamId)).toBe(true);
    expect(sandbox.inspect.statusCounts()[429] ?? 0).toBe(0);
    expect(await metrics.throttledTotal()).toBe(0);
    // 12 reads at 4 per 200 ms window cannot take less than two full windows.
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
  });

  it('a stalled event loop does not let the next reads reach Graph in the window of those still on their way', async () => {
    // The sandbox runs in this process, so it counts a request only once this loop reads it. Stall the loop right
    // after the first four went out, past the paced window: without the hold, the next four would go at once.
    const { api, metrics } = access({});
    const reads = Array.from({ length: 8 }, () => api.get<{ id: string }>(`/teams/${credentials.teamId}?$select=id`));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const stalledUntil = performance.now() + 300;
    while (performance.now() < stalledUntil);
    expect((await Promise.all(reads)).every((a) => a.id === credentials.teamId)).toBe(true);
    expect(sandbox.inspect.statusCounts()[429] ?? 0).toBe(0);
    expect(await metrics.throttledTotal()).toBe(0);
  });

  it('two replicas sharing the windows in Redis stay under the limit together', async () => {
    const keyPrefix = `tc-test-${uniqueSuffix()}`;
    const redisUrl = integrationEnv().redisUrl;
    const [one, two] = await Promise.all([createRedisConnection(redisUrl, { keyPrefix }), createRedisConnection(redisUrl, { keyPrefix })]);
    try {
      const replicas = [access({}, one.slidingWindow), access({}, two.slidingWindow)];
      const reads = replicas.flatMap(({ api }) => Array.from({ length: 8 }, () => api.get<{ id: string }>(`/teams/${credentials.teamId}?$select=id`)));
      expect((await Promise.all(reads)).every((a) => a.id === credentials.teamId)).toBe(true);
      expect(sandbox.inspect.statusCounts()[429] ?? 0).toBe(0);
      expect(sandbox.inspect.statusCounts()[200]).toBe(16);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  // Real time: at a tenth of it the pacing margins (1 % of the window + 25 ms) shrink to 30 ms, less than one event-loop
  // stall of this process (the sandbox and the clients share it), and a stall there let one request into a full window.
  describe('450 invitations in real time (150 per 5 s window)', () => {
    const fastScale = 1;
    const count = 450;
    // Fixed windows admit 150 at once, so the last wave may go out two windows after the first.
    const floorMs = (Math.ceil(count / 150) - 1) * 5_000 * fastScale;
    // The default margins: 1 % of the window and 25 ms.
    const pacedWindowMs = 5_000 * fastScale * 1.01 + 25;

    beforeEach(() => {
      sandbox.setLimits({ enabled: true, timeScale: fastScale });
      sandbox.inspect.resetStatusCounts();
    });

    const invite = (api: ReturnType<typeof access>['api'], run: string, i: number) =>
      api.post<{ invitedUser: { id: string } }>('/invitations', {
        invitedUserEmailAddress: `guest-${run}-${i}@elsewhere.example`,
        inviteRedirectUrl: 'https://parley.example/welcome',
        sendInvitationMessage: false,
      });

    /** Sends all the invitations at once, spread over `apis` in turn; checks and reports what Graph saw. */
    async function inviteAll(label: string, apis: readonly ReturnType<typeof access>[]): Promise<void> {
      const run = uniqueSuffix();
      // Connections first. The sandbox runs in this process: 150 TLS handshakes at once would keep the first wave's
      // answers out for a good part of a paced window, the one delay neither the margins nor restamping on
      // the answer can cover. Then fresh sandbox windows.
      const warmUp = access({ timeScale: fastScale }).api;
      await Promise.all(Array.from({ length: 150 }, (_, i) => invite(warmUp, `warm-${run}`, i)));
      sandbox.setLimits({ enabled: true, timeScale: fastScale });
      sandbox.inspect.resetStatusCounts();

      sandbox.inspect.recordRequests(true);
      const started = performance.now();
      const answers = await Promise.all(Array.from({ length: count }, (_, i) => invite((apis[i % apis.length] as ReturnType<typeof access>).api, run, i)));
      const elapsed = performance.now() - started;
      sandbox.inspect.recordRequests(false);

      expect(new Set(answers.map((a) => a.invitedUser.id)).size).toBe(count);
      const statuses = sandbox.inspect.statusCounts();
      const throttled = (await Promise.all(apis.map(({ metrics }) => metrics.throttledTotal()))).reduce((sum, n) => sum + n, 0);
      const arrivals = sandbox.inspect
        .requests()
        .filter((r) => r.method === 'POST' && r.path === '/invitations' && r.status === 201)
        .map((r) => Date.parse(r.at))
        .slice(-count);
      const arrivalSpan = Math.max(...arrivals) - Math.min(...arrivals);
      process.stdout.write(
        `${label}: ${count} invitations answered after ${Math.round(elapsed)} ms, fixed-window floor ${floorMs} ms, ratio ${(elapsed / floorMs).toFixed(3)}; ` +
          `first to last arrival at the sandbox ${arrivalSpan} ms (paced floor with the margins ${Math.round(2 * pacedWindowMs)} ms); ` +
          `${statuses[429] ?? 0} answered 429\n`,
      );
      // Strict: pacing alone keeps every window within the limit, no retry needed.
      expect(statuses[429] ?? 0).toBe(0);
      expect(throttled).toBe(0);
      expect(statuses[201]).toBe(count);
      // Loose: exact pacing takes the floor plus twice the margins plus sending the last wave. Here the client and the
      // sandbox share 2 cores (with other test runs): a wave of 150 takes 100-200 ms to be answered, and each wave's
      // acquisitions are restamped on their answers, so the next wave starts a Graph window after the first answer
      // rather than a paced window after the grant.
      expect(elapsed).toBeGreaterThanOrEqual(floorMs);
      expect(elapsed).toBeLessThan(floorMs * 2.5);
    }

    it('paced in memory at the documented limit: no 429, close to the fixed-window floor', async () => {
      await inviteAll('in memory', [access({ timeScale: fastScale })]);
    });

    it('paced by two replicas sharing the windows in Redis: no 429, close to the fixed-window floor', async () => {
      const keyPrefix = `tc-test-${uniqueSuffix()}`;
      const redisUrl = integrationEnv().redisUrl;
      const [one, two] = await Promise.all([createRedisConnection(redisUrl, { keyPrefix }), createRedisConnection(redisUrl, { keyPrefix })]);
      try {
        await inviteAll('two replicas over Redis', [access({ timeScale: fastScale }, one.slidingWindow), access({ timeScale: fastScale }, two.slidingWindow)]);
      } finally {
        await Promise.all([one.close(), two.close()]);
      }
    });
  });

  it('retries a throttled request after the scaled Retry-After', async () => {
    const { api, metrics } = access({});
    sandbox.setFaults({ throttleBurst: 2, throttleBurstRetryAfterMs: 1_000 });
    try {
      const started = Date.now();
      const me = await api.get<{ value: unknown[] }>('/users?$top=1&$select=id');
      expect(me.value).toHaveLength(1);
      expect(await metrics.throttledTotal()).toBe(2);
      // Retry-After 1 s, scaled by 0.2: two waits of about 200 ms.
      expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    } finally {
      sandbox.setFaults({});
    }
  });

  it('follows nextLinks to the delta link', async () => {
    const { api } = access({});
    const ids: string[] = [];
    let deltaLink: string | undefined;
    for await (const page of api.pages<{ id: string }>('/users/delta?$select=id,userPrincipalName')) {
      ids.push(...page.value.map((u) => u.id));
      deltaLink = page.deltaLink ?? deltaLink;
    }
    expect(ids.length).toBeGreaterThan(20);
    expect(deltaLink).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1\.0\/users\/delta\?\$deltatoken=/);
    const changes: unknown[] = [];
    for await (const page of api.pages(deltaLink as string)) changes.push(...page.value);
    expect(changes).toEqual([]);
  });
});

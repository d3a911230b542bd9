import { Registry } from 'prom-client';
import { Agent } from 'undici';
import { createInMemoryCache, createRedisConnection, type RateLimiter } from '@parley/cache';
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

  const access = (limits: Parameters<typeof graphAccessConfig>[0], rateLimiter: RateLimiter = createInMemoryCache().rateLimiter) => {
    const metrics = new GraphMetrics(new Registry());
    const graph = new GraphAccess({
      identity: new IdentityAccess(new InternalApiAccess(new Secret('x'.repeat(32)), {})),
      rateLimiter,
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
    const { api, metrics } = access({ limits: { teamsGet: { requests: 1_000, windowMs: 1_000, burst: 20 }, perTeam: { requests: 1_000, windowMs: 1_000, burst: 20 } } });
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

  it('two replicas sharing the buckets in Redis stay under the limit together', async () => {
    const keyPrefix = `tc-test-${uniqueSuffix()}`;
    const redisUrl = integrationEnv().redisUrl;
    const [one, two] = await Promise.all([createRedisConnection(redisUrl, { keyPrefix }), createRedisConnection(redisUrl, { keyPrefix })]);
    try {
      const replicas = [access({}, one.rateLimiter), access({}, two.rateLimiter)];
      const reads = replicas.flatMap(({ api }) => Array.from({ length: 8 }, () => api.get<{ id: string }>(`/teams/${credentials.teamId}?$select=id`)));
      expect((await Promise.all(reads)).every((a) => a.id === credentials.teamId)).toBe(true);
      expect(sandbox.inspect.statusCounts()[429] ?? 0).toBe(0);
      expect(sandbox.inspect.statusCounts()[200]).toBe(16);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
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

import { randomUUID } from 'node:crypto';
import { AdminApi } from '@parley/admin-client';
import { internalRoutes, type UserSyncView } from '@parley/internal-api';
import { type ClusterApp, createFreshDatabase, integrationEnv, ParleyCluster, uniqueSuffix } from '@parley/testing';
import { distributedServiceEnv, TEST_INTERNAL_TOKEN } from './service-env';

const OPERATOR_KEY = `op_${'r'.repeat(40)}`;
const APPS: ClusterApp[] = ['identity', 'provisioning', 'gateway'];
type Line = Record<string, unknown>;

// Issue 12's request context: the id an admin quotes (a problem's requestId, or the X-Request-Id they sent) finds
// the lines of that request in the gateway, in the peers it called, and, through the events' correlation id, in the
// work those events caused. The services are separate processes on real Kafka, PostgreSQL and Redis.
describe('request ids across services', () => {
  const env = integrationEnv();
  const prefix = `rid-${uniqueSuffix()}.`;
  let database: Awaited<ReturnType<typeof createFreshDatabase>>;
  let cluster: ParleyCluster;
  let admin: AdminApi;
  let adminKey: string;

  beforeAll(async () => {
    database = await createFreshDatabase(env.databaseUrl);
    cluster = new ParleyCluster({
      apps: APPS,
      // debug: a peer's successful internal calls are logged at debug.
      env: distributedServiceEnv(env, { topicPrefix: prefix, databaseUrl: database.url }, { PARLEY_OPERATOR_API_KEY: OPERATOR_KEY, LOG_LEVEL: 'debug' }),
    });
    await cluster.start();
    const org = await new AdminApi(cluster.url('gateway'), OPERATOR_KEY).createOrg('Request Id Org');
    adminKey = org.adminApiKey;
    admin = new AdminApi(cluster.url('gateway'), adminKey);
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
    await database?.drop();
  });

  const withLogs = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw new Error(`${error instanceof Error ? error.stack : String(error)}\n${cluster.describe()}`);
    }
  };
  const linesOf = (app: ClusterApp, match: (line: Line) => boolean): Line[] => cluster.process(app).lines.filter(match);
  /** Lines are read from the processes' stdout, a little after the answer. */
  const eventually = async (what: string, found: () => boolean, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!found()) {
      if (Date.now() > deadline) throw new Error(`never saw ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  it("a failed request's problem names a request id that finds its lines in the gateway and in the peer it asked", () =>
    withLogs(async () => {
      const response = await fetch(`${cluster.url('gateway')}/v1/people/${randomUUID()}`, { headers: { authorization: `Bearer ${adminKey}` } });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await response.json()) as Line;
      const requestId = String(problem['requestId']);
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.headers.get('x-request-id')).toBe(requestId);

      const ofRequest = (line: Line) => line['requestId'] === requestId;
      await eventually('the request lines', () => linesOf('gateway', ofRequest).length > 0 && linesOf('identity', ofRequest).length > 0);
      expect(linesOf('gateway', ofRequest)).toContainEqual(expect.objectContaining({ msg: 'request handled', method: 'GET', status: 404, level: 'info', service: 'gateway' }));
      // identity answered the gateway's internal call under the same id, and says so at info because it was a 404.
      expect(linesOf('identity', ofRequest)).toContainEqual(
        expect.objectContaining({ msg: 'request handled', path: expect.stringMatching(/^\/internal\/orgs\/.+\/people\//), status: 404, level: 'info', correlationId: requestId }),
      );
      // Nobody else's lines carry it.
      expect(linesOf('provisioning', ofRequest)).toEqual([]);
    }));

  it('honours the X-Request-Id an admin sends, through the gateway, provisioning, its events and identity', () =>
    withLogs(async () => {
      const requestId = `ticket-4711.${uniqueSuffix()}`;
      const response = await fetch(`${cluster.url('gateway')}/v1/user-syncs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify({ mode: 'guest' }),
      });
      expect(response.status).toBe(202);
      expect(response.headers.get('x-request-id')).toBe(requestId);
      const started = (await response.json()) as UserSyncView;
      // The org has no connections: provisioning's consumer asks identity for them and fails the sync, which is work
      // done for this request, on another process, after a Kafka hop.
      const finished = await admin.waitForSync(started.id, { timeoutMs: 90_000 });
      expect(finished.status).toBe('failed');

      const ofRequest = (line: Line) => line['requestId'] === requestId;
      const ofWork = (line: Line) => line['correlationId'] === requestId;
      // Calls made for the event, not for the request: the same correlation id, a request id of their own.
      const identityForEvent = (line: Line) => ofWork(line) && line['requestId'] !== requestId && line['msg'] === 'request handled';
      await eventually('the lines of the request and of its work', () =>
        linesOf('gateway', ofRequest).some((l) => l['msg'] === 'request handled') &&
        linesOf('provisioning', ofRequest).some((l) => l['msg'] === 'request handled') &&
        linesOf('provisioning', ofWork).some((l) => l['msg'] === 'user sync cannot start') &&
        linesOf('identity', identityForEvent).length > 0,
      );
      expect(linesOf('gateway', ofRequest)).toContainEqual(expect.objectContaining({ msg: 'request handled', method: 'POST', path: '/v1/user-syncs', status: 202, correlationId: requestId }));
      // provisioning's internal route, called by the gateway with the admin's request id.
      expect(linesOf('provisioning', ofRequest)).toContainEqual(expect.objectContaining({ msg: 'request handled', method: 'POST', status: 202, level: 'debug', correlationId: requestId }));
      // Its consumer handled the sync-requested event (published through the outbox) under the request's correlation id.
      const refused = linesOf('provisioning', ofWork).find((l) => l['msg'] === 'user sync cannot start');
      expect(refused).toMatchObject({ syncId: started.id, topic: 'parley.provisioning.sync.requested.v1', eventId: expect.any(String) });
      expect(refused).not.toHaveProperty('requestId');
      // And identity answered the consumer's internal call for the connections under the same correlation id.
      expect(linesOf('identity', identityForEvent)).toContainEqual(
        expect.objectContaining({ method: 'GET', path: expect.stringMatching(/\/connections$/), status: 200, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) }),
      );
    }));

  it("answers every service's HTTP errors, internal ones included, as problem documents with the request id", () =>
    withLogs(async () => {
      for (const app of APPS) {
        const unknown = await fetch(`${cluster.url(app)}/internal/nowhere`, { headers: { authorization: `Bearer ${TEST_INTERNAL_TOKEN}` } });
        const missing = (await unknown.json()) as Line;
        expect({ app, status: unknown.status, type: unknown.headers.get('content-type') }).toEqual({ app, status: 404, type: expect.stringContaining('application/problem+json') });
        expect(missing).toMatchObject({ status: 404, detail: 'No route matches GET /internal/nowhere.', instance: '/internal/nowhere', requestId: unknown.headers.get('x-request-id') });
        if (app === 'gateway') continue;
        // A call without the internal token to a route the service has: its guard's 401, through the same filter, under
        // the request id the caller sent.
        const route = Object.values(internalRoutes[app])[0] as { method: string; path: string };
        const refused = await fetch(`${cluster.url(app)}${route.path.replace(/:[A-Za-z0-9_]+/g, 'x')}`, { method: route.method, headers: { 'x-request-id': `ticket-${app}` } });
        expect({ app, status: refused.status, type: refused.headers.get('content-type') }).toEqual({ app, status: 401, type: expect.stringContaining('application/problem+json') });
        expect(await refused.json()).toMatchObject({ status: 401, detail: expect.stringContaining('internal token'), requestId: `ticket-${app}` });
      }
    }));
});

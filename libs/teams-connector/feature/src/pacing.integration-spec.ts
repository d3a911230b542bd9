import { randomUUID } from 'node:crypto';
import { startGraphSandbox, type GraphSandbox } from '@parley/sandbox-graph';
import { integrationEnv } from '@parley/testing';
import { graphAccessConfig } from '@parley/teams-connector-graph-access';
import { ConnectorHarness, freshDatabase } from './testing/connector-harness';

// Many guests at once against the sandbox with its documented limits on (time-compressed ten times): the connector's
// shared buckets keep it under them, so Graph answers (almost) no 429 while every guest is made.
describe('teams-connector under the documented Graph limits', () => {
  const timeScale = 0.1;
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let sandbox: GraphSandbox;
  let harness: ConnectorHarness;

  beforeAll(async () => {
    database = await freshDatabase(integrationEnv().databaseUrl);
    sandbox = await startGraphSandbox({ limits: { enabled: true, timeScale } });
    harness = await new ConnectorHarness(sandbox, database.url, graphAccessConfig({ timeScale })).start();
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
    await sandbox?.stop();
    await database?.drop();
  });

  it('creates 60 guests in one team with (almost) no 429, at the pace of the tightest limit', async () => {
    const org = harness.seedOrg('paced');
    const count = 60;
    const syncId = randomUUID();
    sandbox.inspect.resetStatusCounts();
    const started = Date.now();
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        harness.publish('parley.teams.guest.create.requested.v1', {
          orgId: org.orgId,
          syncId,
          personId: randomUUID(),
          connectionId: org.connectionId,
          email: `load${i}@${org.domain}`,
          displayName: `Load ${i}`,
          teamIds: [org.credentials.teamId],
        }),
      ),
    );
    const created = await harness.log.waitFor('parley.teams.guest.created.v1', (p) => p.syncId === syncId, 60_000, count);
    const elapsed = Date.now() - started;
    expect(created.every((c) => c.signIn.status === 'ok' && c.teamIds.length === 1)).toBe(true);
    expect(harness.log.of('parley.teams.guest.failed.v1', (p) => p.syncId === syncId)).toEqual([]);

    const statuses = sandbox.inspect.statusCounts();
    const requests = Object.values(statuses).reduce((sum, n) => sum + n, 0);
    const throttled = statuses[429] ?? 0;
    // Adding to one team is the tightest limit: 4 per second per team, here 4 per 100 ms, so 60 take at least 1.4 s.
    expect(elapsed).toBeGreaterThanOrEqual(1_400);
    expect(requests).toBeGreaterThanOrEqual(count * 5);
    expect(throttled).toBeLessThanOrEqual(Math.floor(requests * 0.01));
    const metrics = await harness.metrics.render();
    expect(metrics.body).toMatch(/parley_graph_responses_total\{status="201",batched="false",service="teams-connector"\} \d+/);
    expect((await harness.guests(org)).length).toBe(count);
    const members = await harness.teamMembers(org);
    expect(created.every((c) => members.get(c.guestUserId)?.[0] === 'guest')).toBe(true);
    process.stdout.write(`paced run: ${count} guests in ${elapsed} ms, ${requests} Graph requests, ${throttled} answered 429\n`);
  });
});

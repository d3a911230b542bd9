import { randomUUID } from 'node:crypto';
import { startGraphSandbox, type GraphSandbox } from '@parley/sandbox-graph';
import { integrationEnv } from '@parley/testing';
import { graphAccessConfig } from '@parley/teams-connector-graph-access';
import { ConnectorHarness, freshDatabase } from './testing/connector-harness';

// Many guests at once against the sandbox with its documented limits on, in real time (the ratio between the limits is
// what matters: invitations allow 30 per second per tenant, one team 4 requests per second): the connector's shared
// buckets keep it under them, and the guests' team additions are gathered into bulk members/add requests, so the
// per-team limit no longer sets the pace and Graph answers no 429.
describe('teams-connector under the documented Graph limits', () => {
  const timeScale = 1;
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

  it('creates 200 concurrent guests in one team with far fewer members/add requests than guests and no 429', async () => {
    const org = harness.seedOrg('paced');
    const count = 200;
    const syncId = randomUUID();
    const teamId = org.credentials.teamId;
    sandbox.inspect.resetStatusCounts();
    sandbox.inspect.recordRequests(true);
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
          teamIds: [teamId],
        }),
      ),
    );
    const created = await harness.log.waitFor('parley.teams.guest.created.v1', (p) => p.syncId === syncId, 120_000, count);
    const elapsed = Date.now() - started;
    sandbox.inspect.recordRequests(false);
    expect(created.every((c) => c.signIn.status === 'ok' && c.teamIds.length === 1)).toBe(true);
    expect(harness.log.of('parley.teams.guest.failed.v1', (p) => p.syncId === syncId)).toEqual([]);

    const statuses = sandbox.inspect.statusCounts();
    const requests = Object.values(statuses).reduce((sum, n) => sum + n, 0);
    const throttled = statuses[429] ?? 0;
    const onTeam = sandbox.inspect.requests().filter((r) => r.path.startsWith(`/teams/${teamId}`));
    const adds = onTeam.filter((r) => r.method === 'POST' && r.path === `/teams/${teamId}/members/add`);
    // Every request on the team was a bulk add, all answered 200, and far fewer of them than guests.
    expect(onTeam).toEqual(adds);
    expect(adds.every((r) => r.status === 200)).toBe(true);
    // About one request per per-team token while guests arrive at the invitations pace (~7 members each here).
    expect(adds.length).toBeLessThanOrEqual(count / 3);
    expect(throttled).toBe(0);
    // With one POST per guest the per-team limit alone would have needed (count - 1) / 4 seconds.
    const singleAddFloorMs = ((count - 1) / 4) * 1000 * timeScale;
    expect(elapsed).toBeLessThan(singleAddFloorMs / 2);
    // Each guest went through the home account (created without a look-up first), the invitation and the guest read,
    // and shared the bulk team additions.
    expect(requests).toBeGreaterThanOrEqual(count * 3 + adds.length);

    const metrics = (await harness.metrics.render()).body;
    const sum = Number(/parley_graph_team_members_per_add_sum\{service="teams-connector"\} (\d+)/.exec(metrics)?.[1]);
    const flushes = Number(/parley_graph_team_members_per_add_count\{service="teams-connector"\} (\d+)/.exec(metrics)?.[1]);
    expect([sum, flushes]).toEqual([count, adds.length]);
    expect((await harness.guests(org)).length).toBe(count);
    const members = await harness.teamMembers(org);
    expect(created.every((c) => members.get(c.guestUserId)?.[0] === 'guest')).toBe(true);
    process.stdout.write(
      `paced run: ${count} guests in ${elapsed} ms (one-POST-per-guest per-team floor ${Math.round(singleAddFloorMs)} ms), ${requests} Graph requests, ` +
        `${adds.length} members/add requests (${(count / adds.length).toFixed(1)} members each on average), ${throttled} answered 429\n`,
    );
  }, 180_000);
});

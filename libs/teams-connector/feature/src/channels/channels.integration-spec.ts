import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { CHANNEL_NAME_TAKEN_PROBLEM, internalRoutes, routePath, teamsChannelView } from '@parley/internal-api';
import { startGraphSandbox, type GraphSandbox } from '@parley/sandbox-graph';
import { integrationEnv } from '@parley/testing';
import { DATA_SOURCE } from '@parley/service-runtime';
import { graphAccessConfig } from '@parley/teams-connector-graph-access';
import { ConnectorHarness, freshDatabase, INTERNAL_TOKEN, type SeededOrg } from '../testing/connector-harness';
import { LinkedChannels } from './linked-channels';

// The internal routes the relay calls while an admin links channels, and the link changes it announces, through the connector in-process against the
// Graph sandbox (real PostgreSQL; tokens from the identity stub, which signs in to the sandbox).
describe('teams-connector channel routes', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let sandbox: GraphSandbox;
  let harness: ConnectorHarness;
  let org: SeededOrg;

  beforeAll(async () => {
    database = await freshDatabase(integrationEnv().databaseUrl);
    sandbox = await startGraphSandbox({ limits: { enabled: true, timeScale: 0.1 } });
    harness = await new ConnectorHarness(sandbox, database.url, graphAccessConfig({ timeScale: 0.1 })).start();
    org = harness.seedOrg('channels');
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
    await sandbox?.stop();
    await database?.drop();
  });

  const routes = internalRoutes['teams-connector'];
  const call = async (path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${harness.connector.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${INTERNAL_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const describeChannel = (channelId: string, teamId = org.credentials.teamId) => call(routePath(routes.channel, { orgId: org.orgId, connectionId: org.connectionId, teamId, channelId }));
  const create = (body: unknown, teamId = org.credentials.teamId) => call(routePath(routes.createChannel, { orgId: org.orgId, connectionId: org.connectionId, teamId }), body);

  it('describes a channel as the app reads it; 404 for a channel or team Teams does not know', async () => {
    const general = await describeChannel(org.credentials.generalChannelId);
    expect(general.status).toBe(200);
    expect(teamsChannelView.parse(general.body)).toEqual({ teamId: org.credentials.teamId, id: org.credentials.generalChannelId, displayName: 'General', membershipType: 'standard' });
    const missing = await describeChannel(`19:${'0'.repeat(32)}@thread.tacv2`);
    expect(missing.status).toBe(404);
    expect(missing.body['detail']).toContain('no such team or channel');
    expect((await describeChannel(org.credentials.generalChannelId, '00000000-0000-4000-a000-000000000000')).status).toBe(404);
  });

  it('creates a channel as the team owner: 201; a taken name is 409 with the platform reason; a bad name 422', async () => {
    const made = await create({ displayName: 'Launch plans', private: false });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ teamId: org.credentials.teamId, displayName: 'Launch plans', membershipType: 'standard' });
    expect((await describeChannel(made.body['id'] as string)).body['displayName']).toBe('Launch plans');

    const taken = await create({ displayName: 'launch PLANS', private: false });
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ type: CHANNEL_NAME_TAKEN_PROBLEM, detail: expect.stringContaining('Channel name already existed') });
    const bad = await create({ displayName: 'a/b', private: false });
    expect(bad.status).toBe(422);
    expect(bad.body['detail']).toContain('Graph answered 400');
    expect((await create({ displayName: '', private: false })).status).toBe(400);
  });

  it('a private twin is owned by the team owner Parley signs in as, and the app reads it', async () => {
    const made = await create({ displayName: 'Board room', private: true });
    expect(made.status).toBe(201);
    expect(made.body['membershipType']).toBe('private');
    const token = await harness.appToken(org.credentials.customerTenantId, org);
    const members = await harness.graph<{ value: { email: string | null; displayName: string; roles: string[] }[] }>(
      `/teams/${org.credentials.teamId}/channels/${encodeURIComponent(made.body['id'] as string)}/members`,
      token,
    );
    expect(members.body.value).toHaveLength(1);
    expect(members.body.value[0]?.roles).toEqual(['owner']);
    expect((await describeChannel(made.body['id'] as string)).body['membershipType']).toBe('private');
  });
  it('records link changes in order: a replayed older change is ignored, a relink moves the baseline', async () => {
    const linked = new LinkedChannels(harness.connector.app.get<symbol, DataSource>(DATA_SOURCE));
    const channelId = `19:${'a'.repeat(32)}@thread.tacv2`;
    const linkId = randomUUID();
    const change = (kind: 'linked' | 'unlinked', at: number) =>
      harness.publish('parley.channel.link.changed.v1', {
        orgId: org.orgId,
        linkId,
        change: kind,
        slack: { connectionId: randomUUID(), channelId: 'C0SLACK03' },
        teams: { connectionId: org.connectionId, teamId: org.credentials.teamId, channelId },
        private: false,
        occurredAt: new Date(at).toISOString(),
      });
    const state = () => linked.linked(org.connectionId, org.credentials.teamId, channelId);
    const until = async (what: string, probe: () => Promise<boolean>): Promise<void> => {
      const deadline = Date.now() + 15_000;
      while (!(await probe())) {
        if (Date.now() > deadline) throw new Error(`waited for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };
    const t0 = Date.now() - 60_000;
    await change('linked', t0);
    await until('the link', async () => (await state())?.linkedAt.getTime() === t0);
    await change('unlinked', t0 + 1_000);
    await until('the unlink', async () => (await state()) === null);
    // Delivered again late: the older "linked" does not undo the newer "unlinked".
    await change('linked', t0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await state()).toBeNull();
    await change('linked', t0 + 2_000);
    await until('the relink', async () => (await state())?.linkedAt.getTime() === t0 + 2_000);
    // Linked again: the baseline and catch-up's watermark are the relink's time, so what was said in between is history.
    expect((await state())?.watermark.getTime()).toBe(t0 + 2_000);
  });
});

import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Client } from 'pg';
import { Secret } from '@parley/config';
import { DeadLetterV1, DirectoryUserObservedV1, encodeMessage, type Payload } from '@parley/contracts';
import { SYNC_CONFLICT_PROBLEM, WORKSPACE_TAKEN_PROBLEM } from '@parley/internal-api';
import { InProcessBroker, InProcessBus, type MessageContext } from '@parley/messaging';
import { createLogger } from '@parley/observability';
import { createServiceDataSource, initializeAndMigrate } from '@parley/persistence';
import { createFreshDatabase, integrationEnv, type FreshDatabase } from '@parley/testing';
import { startServiceInProcess, type InProcessService } from '@parley/testing-in-process';
import { issueApiKey } from './auth/api-keys';
import { createGatewayService } from './index';
import { GatewayInit1732700000100 } from './migrations/1732700000100-gateway-init';
import { GatewayOrgsAndKeys1795800000000 } from './migrations/1795800000000-gateway-orgs-and-keys';
import { committedOpenApiPath } from './openapi/write-openapi';
import { FakePeers, GOOD_CONSENT_CODE, GOOD_SLACK_BOT_TOKEN, GOOD_TEAMS_CLIENT_SECRET, SLACK_CODE_OF_SOMEONE_ELSE, slackBotTokenOf } from './testing/fake-peers';

/** A local port nothing listens on: a peer that is down. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

const INTERNAL_TOKEN = `internal-token-for-tests-${randomBytes(12).toString('hex')}`;
const PUBLIC_URL = 'https://parley.example.test';
/** Every secret an admin sends in these tests; none may show up in a response or a log line. */
const SECRETS = {
  slackBot: GOOD_SLACK_BOT_TOKEN,
  globexBot: slackBotTokenOf('T0GLOBEX'),
  slackSigning: `signing-secret-${randomBytes(6).toString('hex')}`,
  slackScim: `scim-token-${randomBytes(6).toString('hex')}`,
  teamsClient: GOOD_TEAMS_CLIENT_SECRET,
  teamsOwner: `owner-password-${randomBytes(6).toString('hex')}`,
  wrongBot: 'xoxb-wrong-bot-token-9999',
  wrongClient: `wrong-client-secret-${randomBytes(6).toString('hex')}`,
  consentCode: GOOD_CONSENT_CODE,
  internal: INTERNAL_TOKEN,
};

const slackInput = (botToken: string = SECRETS.slackBot) => ({
  platform: 'slack',
  botToken,
  signingSecret: SECRETS.slackSigning,
  scimToken: SECRETS.slackScim,
  apiUrl: 'http://127.0.0.1:4010/api/',
});
const teamsInput = (clientSecret: string = SECRETS.teamsClient) => ({
  platform: 'teams',
  tenantId: 'contoso-tenant',
  clientId: 'parley-app',
  clientSecret,
  homeTenantId: 'parley-home',
  homeTenantDomain: 'parleyhome.onmicrosoft.com',
  teamIds: ['team-sales', 'team-eng'],
  teamOwner: { username: 'owner@contoso.test', password: SECRETS.teamsOwner },
});

// The gateway in-process on real PostgreSQL (the in-process bus and cache stand in for Kafka and Redis), over real HTTP,
// with tiny real HTTP servers standing in for the peers' internal APIs.
describe('gateway admin API', () => {
  const operatorKey = randomBytes(32).toString('base64url');
  let database: FreshDatabase;
  let gateway: InProcessService;
  let peerUrls: Record<string, string>;
  const peers = new FakePeers(INTERNAL_TOKEN);
  const logLines: string[] = [];
  // A consumer group of another service on the gateway's broker: what a retried dead letter reaches.
  const broker = new InProcessBroker(4);
  const observed: { payload: Payload<'parley.directory.user.observed.v1'>; ctx: MessageContext }[] = [];
  /** Every response body and header the gateway sent in this suite. */
  const responses: string[] = [];

  const call = async (path: string, init: { method?: string; key?: string; body?: string; contentType?: string } = {}) => {
    const response = await fetch(`${gateway.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.key ? { authorization: `Bearer ${init.key}` } : {}),
        ...(init.body !== undefined ? { 'content-type': init.contentType ?? 'application/json' } : {}),
      },
      body: init.body,
      redirect: 'manual',
    });
    responses.push(JSON.stringify([...response.headers]), await response.clone().text());
    return response;
  };
  const send = (method: string, path: string, key: string, body: unknown) => call(path, { method, key, body: JSON.stringify(body) });
  const createOrg = async (name: string) => {
    const response = await call('/v1/orgs', { method: 'POST', key: operatorKey, body: JSON.stringify({ name }) });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; name: string; adminApiKey: string };
  };
  const expectProblem = async (response: Response, status: number) => {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String), instance: expect.any(String) });
    return body;
  };

  beforeAll(async () => {
    database = await createFreshDatabase(integrationEnv().databaseUrl, 'parley_gw');
    peerUrls = await peers.start();
    const definition = createGatewayService({ operatorApiKey: new Secret(operatorKey) });
    // The production logger (with its redaction) at debug, writing into the test.
    const logger = createLogger({ service: 'gateway', level: 'debug', destination: { write: (line: string) => void logLines.push(line) } });
    const observer = new InProcessBus(broker, { service: 'identity', logger: createLogger({ service: 'identity', level: 'silent' }) });
    observer.subscribe('parley.directory.user.observed.v1', async (payload, ctx) => void observed.push({ payload, ctx }), { group: 'identity' });
    await observer.start();
    gateway = await startServiceInProcess(definition, {
      databaseUrl: database.url,
      broker,
      logger,
      internalToken: INTERNAL_TOKEN,
      peers: peerUrls,
      config: { gatewayPublic: { publicUrl: PUBLIC_URL } },
    });
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await peers.stop();
    await database?.drop();
  });

  it('answers 401 problems without a key or with a wrong one', async () => {
    const none = await call('/v1/orgs', { method: 'POST', body: JSON.stringify({ name: 'Acme' }) });
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    await expectProblem(none, 401);
    await expectProblem(await call('/v1/orgs/org_AAAAAAAAAAAAAAAA', { key: 'pk_live_' + 'x'.repeat(43) }), 401);
    await expectProblem(await call('/v1/dead-letters', { key: `${operatorKey}x` }), 401);
  });

  it('lets the operator create orgs; each org key sees its own org and gets 404 for another', async () => {
    const a = await createOrg('Acme');
    const b = await createOrg('Globex');
    expect(a.id).toMatch(/^org_[A-Za-z0-9]{16}$/);
    expect(a).toMatchObject({ name: 'Acme', adminApiKey: expect.stringMatching(/^pk_live_[A-Za-z0-9_-]{43}$/) });
    expect(a.id).not.toBe(b.id);
    // identity records them (it owns organizations); the gateway keeps only the keys, scoped to the org's id.
    const created = peers.calls.filter((c) => c.peer === 'identity' && c.method === 'POST' && c.path === '/internal/orgs');
    expect(created.slice(-2).map((c) => c.body)).toEqual([{ name: 'Acme' }, { name: 'Globex' }]);
    expect(peers.organizations.get(a.id)).toEqual({ id: a.id, name: 'Acme', createdAt: expect.any(String) });

    const own = await call(`/v1/orgs/${a.id}`, { key: a.adminApiKey });
    expect(own.status).toBe(200);
    const ownBody = (await own.json()) as Record<string, unknown>;
    expect(ownBody).toEqual(peers.organizations.get(a.id));
    expect(JSON.stringify(ownBody)).not.toContain('pk_live_');

    const other = await expectProblem(await call(`/v1/orgs/${b.id}`, { key: a.adminApiKey }), 404);
    const missing = await expectProblem(await call('/v1/orgs/org_DoesNotExist0000', { key: a.adminApiKey }), 404);
    expect(other['detail']).toBe(missing['detail']);
    expect((await call(`/v1/orgs/${b.id}`, { key: operatorKey })).status).toBe(200);
    await expectProblem(await call('/v1/orgs/org_DoesNotExist0000', { key: operatorKey }), 404);

    // An org key cannot create orgs, nor read the operator's dead letters.
    await expectProblem(await call('/v1/orgs', { method: 'POST', key: a.adminApiKey, body: JSON.stringify({ name: 'x' }) }), 403);
    await expectProblem(await call('/v1/dead-letters', { key: b.adminApiKey }), 403);

    // Keys are stored hashed: the clear key is nowhere in the database.
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const dump = JSON.stringify((await client.query('SELECT * FROM gateway.api_keys')).rows);
      expect(dump).not.toContain(a.adminApiKey);
      expect(dump).not.toContain(a.adminApiKey.slice(16));
      expect((await client.query('SELECT org_id FROM gateway.api_keys WHERE org_id = ANY($1) ORDER BY org_id', [[a.id, b.id]])).rows).toHaveLength(2);
      expect((await client.query('SELECT * FROM gateway.orgs_to_hand_over')).rows).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('answers a malformed body with a 400 problem naming each bad field', async () => {
    const wrong = await expectProblem(await call('/v1/orgs', { method: 'POST', key: operatorKey, body: JSON.stringify({ name: 7, plan: 'gold' }) }), 400);
    expect(wrong['errors']).toEqual([
      { field: 'name', message: expect.any(String) },
      { field: 'plan', message: 'unknown field' },
    ]);
    const notJson = await expectProblem(await call('/v1/orgs', { method: 'POST', key: operatorKey, body: '{"name": "s3cr3t-value' }), 400);
    expect(JSON.stringify(notJson)).not.toContain('s3cr3t');
    const empty = await expectProblem(await call('/v1/orgs', { method: 'POST', key: operatorKey }), 400);
    expect(empty['errors']).toEqual([{ field: '(body)', message: expect.any(String) }]);
  });

  it('answers unknown routes with a 404 problem', async () => {
    const body = await expectProblem(await call('/nope?token=abc'), 404);
    expect(body).toMatchObject({ instance: '/nope', detail: 'No route matches GET /nope.' });
    await expectProblem(await call('/v1/nothing-here', { key: operatorKey }), 404);
    expect((await call('/healthz')).status).toBe(200);
  });

  it('lists dead letters for the operator, newest first, with cursor pagination', async () => {
    for (const reason of ['first', 'second', 'third']) {
      await gateway.bus.publish('parley.messaging.message.dead-lettered.v1', { ...DeadLetterV1.example, reason });
    }
    type Page = { items: { reason: string; failure: string; originalTopic: string }[]; nextCursor: string | null };
    const list = async (query: string) => {
      const response = await call(`/v1/dead-letters${query}`, { key: operatorKey });
      expect(response.status).toBe(200);
      return (await response.json()) as Page;
    };
    const deadline = Date.now() + 20_000;
    while ((await list('')).items.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));

    const first = await list('?limit=2');
    expect(first.items.map((d) => d.reason)).toEqual(['third', 'second']);
    expect(first.items[0]).toMatchObject({ originalTopic: DeadLetterV1.example.originalTopic, failure: 'invalid-payload' });
    expect(first.items[0]).not.toHaveProperty('value');
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await list(`?limit=2&cursor=${first.nextCursor}`);
    expect(second).toEqual({ items: [expect.objectContaining({ reason: 'first' })], nextCursor: null });

    const bad = await expectProblem(await call('/v1/dead-letters?limit=0&color=red', { key: operatorKey }), 400);
    expect((bad['errors'] as { field: string }[]).map((e) => e.field).sort()).toEqual(['color', 'limit']);
    await expectProblem(await call('/v1/dead-letters?cursor=bm9wZQ', { key: operatorKey }), 400);
  });

  it('retries a dead letter once with its original key, headers and bytes, and discards one', async () => {
    const original = encodeMessage('parley.directory.user.observed.v1', DirectoryUserObservedV1.example, {
      id: randomUUID(),
      source: 'slack-connector',
      time: '2026-12-04T10:00:00.000Z',
    });
    const headers = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    await gateway.bus.publish('parley.messaging.message.dead-lettered.v1', {
      ...DeadLetterV1.example,
      originalTopic: 'parley.directory.user.observed.v1',
      key: original.key,
      value: original.value,
      valueEncoding: 'utf8',
      headers,
      consumerGroup: 'identity',
      failure: 'handler-failed',
      reason: 'to retry',
    });
    await gateway.bus.publish('parley.messaging.message.dead-lettered.v1', { ...DeadLetterV1.example, reason: 'to discard' });
    type Letter = { id: string; reason: string; retriedAt: string | null; discardedAt: string | null };
    const list = async (query = '') => ((await (await call(`/v1/dead-letters${query}`, { key: operatorKey })).json()) as { items: Letter[] }).items;
    const deadline = Date.now() + 20_000;
    while (!(await list()).some((d) => d.reason === 'to discard') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const byReason = new Map((await list()).map((d) => [d.reason, d]));
    const toRetry = byReason.get('to retry') as Letter;
    const toDiscard = byReason.get('to discard') as Letter;
    expect(toRetry).toMatchObject({ retriedAt: null, discardedAt: null });

    const retried = await call(`/v1/dead-letters/${toRetry.id}/retry`, { method: 'POST', key: operatorKey });
    expect(retried.status).toBe(200);
    const view = (await retried.json()) as Letter;
    expect(view).toMatchObject({ id: toRetry.id, reason: 'to retry', retriedAt: expect.any(String), discardedAt: null });
    await broker.drain();
    expect(observed).toHaveLength(1);
    expect(observed[0]?.payload).toEqual(DirectoryUserObservedV1.example);
    expect(observed[0]?.ctx).toMatchObject({ key: original.key, headers, eventId: JSON.parse(original.value).id, producer: 'slack-connector' });

    // A second retry answers the recorded state and publishes nothing.
    const twice = await call(`/v1/dead-letters/${toRetry.id}/retry`, { method: 'POST', key: operatorKey });
    expect(twice.status).toBe(200);
    expect(await twice.json()).toEqual(view);
    await broker.drain();
    expect(observed).toHaveLength(1);
    expect((await list()).find((d) => d.id === toRetry.id)).toEqual(view);

    const discarded = await call(`/v1/dead-letters/${toDiscard.id}`, { method: 'DELETE', key: operatorKey });
    expect(discarded.status).toBe(200);
    const discardedView = (await discarded.json()) as Letter;
    expect(discardedView).toMatchObject({ id: toDiscard.id, discardedAt: expect.any(String), retriedAt: null });
    expect((await list()).map((d) => d.id)).not.toContain(toDiscard.id);
    expect((await list('?includeDiscarded=true')).find((d) => d.id === toDiscard.id)).toEqual(discardedView);
    const again = await call(`/v1/dead-letters/${toDiscard.id}`, { method: 'DELETE', key: operatorKey });
    expect(await again.json()).toEqual(discardedView);
    const refused = await expectProblem(await call(`/v1/dead-letters/${toDiscard.id}/retry`, { method: 'POST', key: operatorKey }), 409);
    expect(refused).toMatchObject({ type: 'urn:parley:problem:dead-letter-discarded', discardedAt: discardedView.discardedAt });

    await expectProblem(await call(`/v1/dead-letters/${randomUUID()}/retry`, { method: 'POST', key: operatorKey }), 404);
    await expectProblem(await call(`/v1/dead-letters/${randomUUID()}`, { method: 'DELETE', key: operatorKey }), 404);
    const org = await createOrg('Not the operator');
    await expectProblem(await call(`/v1/dead-letters/${toRetry.id}/retry`, { method: 'POST', key: org.adminApiKey }), 403);
    await expectProblem(await call(`/v1/dead-letters/${toRetry.id}`, { method: 'DELETE' }), 401);
    await broker.drain();
    expect(observed).toHaveLength(1);
  });

  describe('connections', () => {
    let org: { id: string; adminApiKey: string };
    beforeAll(async () => (org = await createOrg('Connections Inc')));

    it('connects Slack: checked by slack-connector, stored by identity with the secrets split off, answered without one', async () => {
      const response = await send('POST', '/v1/connections', org.adminApiKey, slackInput());
      expect(response.status).toBe(201);
      const view = (await response.json()) as { id: string; orgId: string; platform: string; settings: Record<string, unknown> };
      expect(view).toEqual({
        id: expect.any(String),
        orgId: org.id,
        platform: 'slack',
        settings: expect.objectContaining({ platform: 'slack', teamId: 'T0ACME', scim: true, apiUrl: 'http://127.0.0.1:4010/api/' }),
        createdAt: expect.any(String),
      });
      const verify = peers.calls.filter((c) => c.peer === 'slack-connector').at(-1);
      expect(verify).toMatchObject({ method: 'POST', path: '/internal/connections/verify', body: { ...slackInput(), scimUrl: 'https://api.slack.com/scim/v2' } });
      const stored = peers.calls.filter((c) => c.peer === 'identity' && c.method === 'POST').at(-1);
      expect(stored?.path).toBe(`/internal/orgs/${org.id}/connections`);
      expect(stored?.body).toEqual({
        platform: 'slack',
        settings: view.settings,
        secrets: { botToken: SECRETS.slackBot, signingSecret: SECRETS.slackSigning, scimToken: SECRETS.slackScim },
      });
      expect(peers.secretsOf(view.id)).toEqual({ botToken: SECRETS.slackBot, signingSecret: SECRETS.slackSigning, scimToken: SECRETS.slackScim });
    });

    it('connects Teams (client secret and the team owner\'s password split off), lists, reads and deletes connections', async () => {
      const response = await send('POST', '/v1/connections', org.adminApiKey, teamsInput());
      expect(response.status).toBe(201);
      const view = (await response.json()) as { id: string; settings: Record<string, unknown> };
      expect(view.settings).toMatchObject({ platform: 'teams', teamOwnerUsername: 'owner@contoso.test', teamIds: ['team-sales', 'team-eng'] });
      expect(view.settings).not.toHaveProperty('teamOwner');
      // The payment model of the tenant-wide chat subscription defaults to B (metered) when the admin gives none.
      expect(peers.calls.filter((c) => c.peer === 'teams-connector' && c.path === '/internal/connections/verify').at(-1)?.body).toMatchObject({ paymentModel: 'B' });
      expect(peers.secretsOf(view.id)).toEqual({ clientSecret: SECRETS.teamsClient, teamOwnerPassword: SECRETS.teamsOwner });

      const list = await call('/v1/connections', { key: org.adminApiKey });
      expect(list.status).toBe(200);
      const items = ((await list.json()) as { items: { platform: string }[] }).items;
      expect(items.map((c) => c.platform).sort()).toEqual(['slack', 'teams']);

      const one = await call(`/v1/connections/${view.id}`, { key: org.adminApiKey });
      expect(one.status).toBe(200);
      expect(await one.json()).toEqual(view);

      const deleted = await call(`/v1/connections/${view.id}`, { method: 'DELETE', key: org.adminApiKey });
      expect(deleted.status).toBe(204);
      expect(await deleted.text()).toBe('');
      await expectProblem(await call(`/v1/connections/${view.id}`, { key: org.adminApiKey }), 404);
      await expectProblem(await call(`/v1/connections/${view.id}`, { method: 'DELETE', key: org.adminApiKey }), 404);
    });

    it('answers 422 naming each field the platform refused, as the admin sent it, and stores nothing', async () => {
      const storedBefore = peers.calls.filter((c) => c.peer === 'identity' && c.method === 'POST').length;
      const body = await expectProblem(await send('POST', '/v1/connections', org.adminApiKey, teamsInput(SECRETS.wrongClient)), 422);
      expect(body).toMatchObject({
        type: 'urn:parley:problem:connection-refused',
        detail: expect.stringContaining('clientSecret, teamOwner.password'),
        errors: [
          { field: 'clientSecret', reason: 'AADSTS7000215: Invalid client secret provided.' },
          { field: 'teamOwner.password', reason: 'the team owner could not sign in' },
        ],
      });
      const slack = await expectProblem(await send('POST', '/v1/connections', org.adminApiKey, slackInput(SECRETS.wrongBot)), 422);
      expect(slack['errors']).toEqual([{ field: 'botToken', reason: expect.stringContaining('invalid_auth') }]);
      expect(peers.calls.filter((c) => c.peer === 'identity' && c.method === 'POST')).toHaveLength(storedBefore);
    });

    it('passes identity\'s 409 through when the platform is already connected', async () => {
      const body = await expectProblem(await send('POST', '/v1/connections', org.adminApiKey, slackInput()), 409);
      expect(body['detail']).toBe('This organization already has a slack connection.');
    });

    it('gives a workspace or tenant to one org: another org gets a 409 naming the field, and nothing of the holder', async () => {
      const other = await createOrg('Connections Rival');
      const slack = await expectProblem(await send('POST', '/v1/connections', other.adminApiKey, slackInput()), 409);
      expect(slack).toMatchObject({ type: WORKSPACE_TAKEN_PROBLEM, errors: [{ field: 'botToken', message: expect.any(String) }] });
      const teamsHeld = await send('POST', '/v1/connections', org.adminApiKey, teamsInput());
      expect(teamsHeld.status).toBe(201);
      const teams = await expectProblem(await send('POST', '/v1/connections', other.adminApiKey, teamsInput()), 409);
      expect(teams).toMatchObject({ type: WORKSPACE_TAKEN_PROBLEM, errors: [{ field: 'tenantId', message: expect.any(String) }] });
      for (const body of [slack, teams]) expect(JSON.stringify(body)).not.toMatch(new RegExp(`${org.id}|Connections Inc`));

      // Deleting the holder's connection frees the tenant.
      const held = (await teamsHeld.json()) as { id: string };
      expect((await call(`/v1/connections/${held.id}`, { method: 'DELETE', key: org.adminApiKey })).status).toBe(204);
      expect((await send('POST', '/v1/connections', other.adminApiKey, teamsInput())).status).toBe(201);
    });

    it('answers a malformed connection with a 400 naming each field, unknown ones too, before calling any peer', async () => {
      const callsBefore = peers.calls.length;
      const body = await expectProblem(
        await send('POST', '/v1/connections', org.adminApiKey, { ...teamsInput(), tenantId: '', teamIds: [], colour: 'blue', teamOwner: { username: 'o' }, paymentModel: 'C' }),
        400,
      );
      expect((body['errors'] as { field: string }[]).map((e) => e.field).sort()).toEqual(['colour', 'paymentModel', 'teamIds', 'teamOwner.password', 'tenantId']);
      expect(body['errors']).toContainEqual({ field: 'paymentModel', message: 'expected A, B or evaluation' });
      expect(body['errors']).toContainEqual({ field: 'colour', message: 'unknown field' });
      const slack = await expectProblem(await send('POST', '/v1/connections', org.adminApiKey, { ...slackInput(), botToken: 'xoxp-user-token' }), 400);
      expect(slack['errors']).toEqual([{ field: 'botToken', message: expect.any(String) }]);
      await expectProblem(await send('POST', '/v1/connections', org.adminApiKey, { platform: 'zoom' }), 400);
      expect(peers.calls.length).toBe(callsBefore);
    });
  });

  describe('user syncs', () => {
    let org: { id: string; adminApiKey: string };
    beforeAll(async () => (org = await createOrg('Syncs Inc')));

    it('starts a sync: 202 with the job and its Location, which answers the same job', async () => {
      const response = await send('POST', '/v1/user-syncs', org.adminApiKey, { mode: 'guest' });
      expect(response.status).toBe(202);
      const sync = (await response.json()) as { id: string; status: string; requestedBy: string; orgId: string };
      expect(sync).toMatchObject({ id: expect.any(String), orgId: org.id, mode: 'guest', status: 'queued', total: 0, errors: [] });
      expect(sync.requestedBy).toMatch(/^key_[A-Za-z0-9]{16}$/);
      expect(response.headers.get('location')).toBe(`/v1/user-syncs/${sync.id}`);
      const started = peers.calls.filter((c) => c.peer === 'provisioning' && c.method === 'POST').at(-1);
      expect(started).toMatchObject({ path: `/internal/orgs/${org.id}/user-syncs`, body: { mode: 'guest', requestedBy: sync.requestedBy } });

      const polled = await call(response.headers.get('location') as string, { key: org.adminApiKey });
      expect(polled.status).toBe(200);
      expect(await polled.json()).toEqual(sync);
    });

    it('passes provisioning\'s 409 through with the active sync\'s id, and lists the org\'s syncs', async () => {
      const list = async () => ((await (await call('/v1/user-syncs', { key: org.adminApiKey })).json()) as { items: { id: string; status: string }[] }).items;
      const [active] = await list();
      const conflict = await expectProblem(await send('POST', '/v1/user-syncs', org.adminApiKey, { mode: 'account' }), 409);
      expect(conflict).toMatchObject({ type: SYNC_CONFLICT_PROBLEM, activeSyncId: active?.id });

      peers.finishSyncs(org.id);
      const next = await send('POST', '/v1/user-syncs', org.adminApiKey, { mode: 'account' });
      expect(next.status).toBe(202);
      expect((await list()).map((s) => s.status).sort()).toEqual(['queued', 'succeeded']);
    });

    it('answers a bad mode or an unknown field with a 400 naming it', async () => {
      const body = await expectProblem(await send('POST', '/v1/user-syncs', org.adminApiKey, { mode: 'everything', dryRun: true }), 400);
      expect(body['errors']).toEqual([
        { field: 'mode', message: expect.any(String) },
        { field: 'dryRun', message: 'unknown field' },
      ]);
    });
  });

  describe('people', () => {
    let org: { id: string; adminApiKey: string };
    beforeAll(async () => (org = await createOrg('People Inc')));

    it('lists people with the filters forwarded to identity, and pages with its cursor', async () => {
      for (let i = 0; i < 3; i++) peers.addPerson(org.id, { primaryPlatform: 'teams' });
      peers.addPerson(org.id, { primaryPlatform: 'slack' });
      const first = await call('/v1/people?primaryPlatform=teams&status=active&limit=2', { key: org.adminApiKey });
      expect(first.status).toBe(200);
      const page = (await first.json()) as { items: { orgId: string; primaryPlatform: string }[]; nextCursor: string | null };
      expect(page.items).toHaveLength(2);
      expect(page.items.every((p) => p.orgId === org.id && p.primaryPlatform === 'teams')).toBe(true);
      const forwarded = peers.calls.filter((c) => c.peer === 'identity' && c.path === `/internal/orgs/${org.id}/people`).at(-1);
      expect(Object.fromEntries(forwarded?.query ?? [])).toEqual({ primaryPlatform: 'teams', status: 'active', limit: '2' });
      const second = (await (await call(`/v1/people?primaryPlatform=teams&limit=2&cursor=${page.nextCursor}`, { key: org.adminApiKey })).json()) as {
        items: unknown[];
        nextCursor: string | null;
      };
      expect(second).toEqual({ items: [expect.anything()], nextCursor: null });
    });

    it('answers bad query parameters with a 400 naming each, without calling identity', async () => {
      const callsBefore = peers.calls.length;
      const body = await expectProblem(await call('/v1/people?primaryPlatform=zoom&limit=0&sort=name', { key: org.adminApiKey }), 400);
      expect((body['errors'] as { field: string }[]).map((e) => e.field).sort()).toEqual(['limit', 'primaryPlatform', 'sort']);
      expect(peers.calls.length).toBe(callsBefore);
    });

    it('lists relayed conversations and their messages with the state on the other side, scoped to the org', async () => {
      const conversation = peers.addConversation(org.id);
      const other = peers.addConversation('org_SomeoneElse00001');
      const delivered = peers.addRelayedMessage(conversation, 'delivered');
      const failed = peers.addRelayedMessage(conversation, 'failed');
      const list = await call('/v1/conversations?limit=10', { key: org.adminApiKey });
      expect(list.status).toBe(200);
      const page = (await list.json()) as { items: { id: string }[]; nextCursor: string | null };
      expect(page.items.map((c) => c.id)).toEqual([conversation.id]);
      const messages = await call(`/v1/conversations/${conversation.id}/messages?limit=1`, { key: org.adminApiKey });
      const first = (await messages.json()) as { items: { id: string; state: string }[]; nextCursor: string };
      const rest = (await (await call(`/v1/conversations/${conversation.id}/messages?cursor=${first.nextCursor}`, { key: org.adminApiKey })).json()) as typeof first;
      expect([...first.items, ...rest.items].sort((a, b) => a.id.localeCompare(b.id))).toEqual([delivered, failed].sort((a, b) => a.id.localeCompare(b.id)));
      const forwarded = peers.calls.filter((c) => c.peer === 'relay').at(-1);
      expect(Object.fromEntries(forwarded?.query ?? [])).toEqual({ limit: '50', cursor: first.nextCursor });
      await expectProblem(await call(`/v1/conversations/${other.id}/messages`, { key: org.adminApiKey }), 404);
      await expectProblem(await call('/v1/conversations/not-a-uuid/messages', { key: org.adminApiKey }), 404);
      const bad = await expectProblem(await call('/v1/conversations?limit=0', { key: org.adminApiKey }), 400);
      expect((bad['errors'] as { field: string }[]).map((e) => e.field)).toEqual(['limit']);
    });

    it('reads a person and sets their primary platform', async () => {
      const person = peers.addPerson(org.id);
      const read = await call(`/v1/people/${person.id}`, { key: org.adminApiKey });
      expect(read.status).toBe(200);
      expect(await read.json()).toEqual(person);
      const patched = await send('PATCH', `/v1/people/${person.id}`, org.adminApiKey, { primaryPlatform: 'teams' });
      expect(patched.status).toBe(200);
      expect(await patched.json()).toMatchObject({ id: person.id, primaryPlatform: 'teams' });
      const bad = await expectProblem(await send('PATCH', `/v1/people/${person.id}`, org.adminApiKey, { primaryPlatform: 'fax', email: 'x@y.z' }), 400);
      expect((bad['errors'] as { field: string }[]).map((e) => e.field)).toEqual(['primaryPlatform', 'email']);
    });

    it('gives the consent link identity makes for the gateway\'s public callback', async () => {
      const person = peers.addPerson(org.id);
      const response = await call(`/v1/people/${person.id}/consent-link`, { key: org.adminApiKey });
      expect(response.status).toBe(200);
      const link = (await response.json()) as { url: string; expiresAt: string };
      expect(new URL(link.url).searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/auth/callback`);
      const asked = peers.calls.filter((c) => c.path.endsWith('/consent-link')).at(-1);
      expect(asked?.path).toBe(`/internal/orgs/${org.id}/people/${person.id}/consent-link`);
      expect(asked?.query.get('redirectUri')).toBe(`${PUBLIC_URL}/auth/callback`);
      expect(asked?.query.get('platform')).toBe('teams');
    });

    it('gives a Slack consent link with ?platform=slack, coming back to the Slack callback; refuses an unknown platform', async () => {
      const person = peers.addPerson(org.id, { primaryPlatform: 'teams' });
      const response = await call(`/v1/people/${person.id}/consent-link?platform=slack`, { key: org.adminApiKey });
      expect(response.status).toBe(200);
      const link = (await response.json()) as { url: string; expiresAt: string };
      expect(new URL(link.url).searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/auth/slack/callback`);
      const asked = peers.calls.filter((c) => c.path.endsWith('/consent-link')).at(-1);
      expect(Object.fromEntries(asked?.query ?? [])).toEqual({ redirectUri: `${PUBLIC_URL}/auth/slack/callback`, platform: 'slack' });
      const callsBefore = peers.calls.length;
      const bad = await expectProblem(await call(`/v1/people/${person.id}/consent-link?platform=irc&extra=1`, { key: org.adminApiKey }), 400);
      expect((bad['errors'] as { field: string }[]).map((e) => e.field).sort()).toEqual(['extra', 'platform']);
      expect(peers.calls.length).toBe(callsBefore);
    });
  });

  describe('org isolation', () => {
    let a: { id: string; adminApiKey: string };
    let b: { id: string; adminApiKey: string };
    const ofB: { sync?: string; person?: string; connection?: string } = {};
    beforeAll(async () => {
      a = await createOrg('Isolation A');
      b = await createOrg('Isolation B');
      ofB.sync = ((await (await send('POST', '/v1/user-syncs', b.adminApiKey, { mode: 'guest' })).json()) as { id: string }).id;
      ofB.person = peers.addPerson(b.id).id;
      ofB.connection = ((await (await send('POST', '/v1/connections', b.adminApiKey, slackInput(SECRETS.globexBot))).json()) as { id: string }).id;
    });
    const foreignRoutes = (): [string, string, unknown?][] => [
      ['GET', `/v1/user-syncs/${ofB.sync}`],
      ['GET', `/v1/people/${ofB.person}`],
      ['PATCH', `/v1/people/${ofB.person}`, { primaryPlatform: 'teams' }],
      ['GET', `/v1/people/${ofB.person}/consent-link`],
      ['GET', `/v1/connections/${ofB.connection}`],
      ['DELETE', `/v1/connections/${ofB.connection}`],
    ];

    it('answers org A\'s key 404 for org B\'s syncs, people and connections, exactly like a missing one', async () => {
      for (const [method, path, body] of foreignRoutes()) {
        const response = await call(path, { method, key: a.adminApiKey, body: body === undefined ? undefined : JSON.stringify(body) });
        const problem = await expectProblem(response, 404);
        const missing = await expectProblem(await call(path.replace(/[0-9a-f-]{36}/, randomUUID()), { method, key: a.adminApiKey, body: body === undefined ? undefined : JSON.stringify(body) }), 404);
        expect({ path, detail: problem['detail'] }).toEqual({ path, detail: missing['detail'] });
      }
      expect(((await (await call('/v1/user-syncs', { key: a.adminApiKey })).json()) as { items: unknown[] }).items).toEqual([]);
      expect(((await (await call('/v1/connections', { key: a.adminApiKey })).json()) as { items: unknown[] }).items).toEqual([]);
      expect(((await (await call('/v1/people', { key: a.adminApiKey })).json()) as { items: unknown[] }).items).toEqual([]);
      // B still has them.
      expect((await call(`/v1/connections/${ofB.connection}`, { key: b.adminApiKey })).status).toBe(200);
      expect((await call(`/v1/user-syncs/${ofB.sync}`, { key: b.adminApiKey })).status).toBe(200);
    });

    it('still answers 404 when a peer forgets to scope by org (the gateway checks the owner too)', async () => {
      peers.leaky = true;
      try {
        for (const [method, path, body] of foreignRoutes().filter(([m]) => m === 'GET' || m === 'PATCH')) {
          if (path.endsWith('/consent-link')) continue;
          await expectProblem(await call(path, { method, key: a.adminApiKey, body: body === undefined ? undefined : JSON.stringify(body) }), 404);
        }
      } finally {
        peers.leaky = false;
      }
    });

    it('answers 404 for ids that are not ids, without calling a peer', async () => {
      const callsBefore = peers.calls.length;
      for (const path of ['/v1/people/42', '/v1/user-syncs/..%2F..%2Fsecrets', '/v1/connections/not-a-uuid']) await expectProblem(await call(path, { key: a.adminApiKey }), 404);
      expect(peers.calls.length).toBe(callsBefore);
    });

    it('gives the operator key 403 on organization routes, and no key 401', async () => {
      for (const [method, path, body] of [...foreignRoutes(), ['GET', '/v1/people'], ['GET', '/v1/connections'], ['POST', '/v1/user-syncs', { mode: 'guest' }]] as [string, string, unknown?][]) {
        const init = { method, body: body === undefined ? undefined : JSON.stringify(body) };
        await expectProblem(await call(path, { ...init, key: operatorKey }), 403);
        await expectProblem(await call(path, init), 401);
      }
    });
  });

  describe('consent callback', () => {
    let org: { id: string; adminApiKey: string };
    beforeAll(async () => (org = await createOrg('Consent Inc')));
    const stateOf = async (personId: string) => {
      const link = (await (await call(`/v1/people/${personId}/consent-link`, { key: org.adminApiKey })).json()) as { url: string };
      return new URL(link.url).searchParams.get('state') as string;
    };
    const page = async (query: string) => {
      const response = await call(`/auth/callback${query}`);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      return { status: response.status, html: await response.text() };
    };

    it('completes consent through identity with no API key and says Parley can now act for the person in Teams', async () => {
      const person = peers.addPerson(org.id, { primaryPlatform: 'teams' });
      const state = await stateOf(person.id);
      const done = await page(`?code=${SECRETS.consentCode}&state=${state}`);
      expect(done.status).toBe(200);
      expect(done.html).toContain(`Parley can now act for you (${person.email}) in Microsoft Teams`);
      expect(peers.calls.filter((c) => c.path === '/internal/consent').at(-1)?.body).toEqual({ code: SECRETS.consentCode, state });
      // The state is used up: the same link again is a clear 400 page.
      const again = await page(`?code=${SECRETS.consentCode}&state=${state}`);
      expect(again.status).toBe(400);
      expect(again.html).toContain('expired or was already used');
    });

    it('answers 400 pages for a refusal, an unknown state and an incomplete link, escaping what it repeats', async () => {
      const refused = await page(`?error=access_denied&error_description=${encodeURIComponent('AADSTS65004: User declined <script>alert(1)</script>')}&state=x`);
      expect(refused.status).toBe(400);
      expect(refused.html).toContain('You declined');
      expect(refused.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(refused.html).not.toContain('<script>');
      const unknown = await page(`?code=${SECRETS.consentCode}&state=${randomUUID()}`);
      expect(unknown.status).toBe(400);
      expect(unknown.html).toContain('Ask your admin for a new link');
      expect((await page('?state=abc')).status).toBe(400);
      expect((await page('')).status).toBe(400);
      for (const html of [refused.html, unknown.html]) expect(html).not.toMatch(/at \w+ \(|Error:|stack|internal/i);
    });

    describe('from Slack', () => {
      const slackState = async (personId: string) => {
        const link = (await (await call(`/v1/people/${personId}/consent-link?platform=slack`, { key: org.adminApiKey })).json()) as { url: string };
        return new URL(link.url).searchParams.get('state') as string;
      };
      const slackPage = async (query: string) => {
        const response = await call(`/auth/slack/callback${query}`);
        expect(response.headers.get('content-type')).toMatch(/^text\/html/);
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(response.headers.get('referrer-policy')).toBe('no-referrer');
        return { status: response.status, html: await response.text() };
      };

      it('completes Slack consent through identity with no API key; the state works once', async () => {
        const person = peers.addPerson(org.id, { primaryPlatform: 'teams' });
        const state = await slackState(person.id);
        const done = await slackPage(`?code=${SECRETS.consentCode}&state=${state}`);
        expect(done.status).toBe(200);
        expect(done.html).toContain(`Parley can now act for you (${person.email}) in Slack`);
        expect(peers.calls.filter((c) => c.path === '/internal/consent/slack').at(-1)?.body).toEqual({ code: SECRETS.consentCode, state });
        const again = await slackPage(`?code=${SECRETS.consentCode}&state=${state}`);
        expect(again.status).toBe(400);
        expect(again.html).toContain('expired or was already used');
        // A Teams state is not redeemed on the Slack callback.
        const teamsState = await stateOf(person.id);
        expect((await slackPage(`?code=${SECRETS.consentCode}&state=${teamsState}`)).status).toBe(400);
      });

      it('answers 400 pages for Cancel on Slack, someone else\'s Slack account, an unknown state and an incomplete link', async () => {
        const callsBefore = peers.calls.filter((c) => c.path === '/internal/consent/slack').length;
        const cancelled = await slackPage('?error=access_denied&state=x');
        expect(cancelled.status).toBe(400);
        expect(cancelled.html).toContain('You clicked Cancel on Slack');
        const odd = await slackPage(`?error=${encodeURIComponent('<b>odd</b>')}&state=x`);
        expect(odd).toMatchObject({ status: 400, html: expect.stringContaining('&lt;b&gt;odd&lt;/b&gt;') });
        // A refusal never reaches identity: nothing is stored.
        expect(peers.calls.filter((c) => c.path === '/internal/consent/slack').length).toBe(callsBefore);

        const person = peers.addPerson(org.id, { primaryPlatform: 'teams' });
        const wrong = await slackPage(`?code=${SLACK_CODE_OF_SOMEONE_ELSE}&state=${await slackState(person.id)}`);
        expect(wrong.status).toBe(400);
        expect(wrong.html).toContain('That was not your Slack account');
        const unknown = await slackPage(`?code=${SECRETS.consentCode}&state=${randomUUID()}`);
        expect(unknown.status).toBe(400);
        expect(unknown.html).toContain('Ask your admin for a new link');
        expect((await slackPage('?state=abc')).status).toBe(400);
        for (const html of [cancelled.html, wrong.html, unknown.html]) expect(html).not.toMatch(/at \w+ \(|Error:|stack|internal/i);
      });
    });

    it('answers a 503 page when identity cannot be reached', async () => {
      gateway.internalApi.setUrl('identity', await closedPortUrl());
      try {
        const down = await page(`?code=${SECRETS.consentCode}&state=${randomUUID()}`);
        expect(down.status).toBe(503);
        expect(down.html).toContain('again in a few minutes');
      } finally {
        gateway.internalApi.setUrl('identity', peerUrls['identity'] as string);
      }
    });
  });

  describe('Graph notifications (public, forwarded to teams-connector)', () => {
    it('forwards the validation handshake and answers the token as text/plain, with no API key', async () => {
      const token = 'Validation: Testing client application reachability for subscription Request-Id: 42';
      for (const path of ['/teams/notifications', '/teams/lifecycle']) {
        const response = await call(`${path}?validationToken=${encodeURIComponent(token)}`, { method: 'POST', body: '', contentType: 'text/plain' });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
        expect(await response.text()).toBe(token);
      }
    });

    it('forwards a notification body as it came and passes the connector\'s answer back', async () => {
      const payload = { value: [{ subscriptionId: 's-1', clientState: 'state', changeType: 'created', resource: "chats('19:a@thread.v2')/messages('1')", tenantId: 't' }] };
      const accepted = await call('/teams/notifications', { method: 'POST', body: JSON.stringify(payload) });
      expect(accepted.status).toBe(202);
      expect(peers.calls.filter((c) => c.peer === 'teams-connector' && c.path === '/teams/notifications').at(-1)?.body).toEqual(payload);
      const refused = await call('/teams/notifications', { method: 'POST', body: JSON.stringify({ value: [] }) });
      expect(refused.status).toBe(400);
    });
  });

  describe('peers failing', () => {
    let org: { id: string; adminApiKey: string };
    beforeAll(async () => (org = await createOrg('Failures Inc')));

    it('answers 503 problems when a peer is down, naming the service and nothing else', async () => {
      const closed = await closedPortUrl();
      for (const [peer, request] of [
        ['identity', () => call('/v1/people', { key: org.adminApiKey })],
        ['provisioning', () => send('POST', '/v1/user-syncs', org.adminApiKey, { mode: 'guest' })],
        ['slack-connector', () => send('POST', '/v1/connections', org.adminApiKey, slackInput())],
      ] as const) {
        gateway.internalApi.setUrl(peer, closed);
        try {
          const body = await expectProblem(await request(), 503);
          expect(body['detail']).toBe(`The ${peer} service is unavailable; try again shortly.`);
          expect(JSON.stringify(body)).not.toContain(closed.split(':').at(-1) as string);
        } finally {
          gateway.internalApi.setUrl(peer, peerUrls[peer] as string);
        }
      }
      const logged = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((l) => l['msg'] === 'call to a peer service failed');
      expect(logged).toContainEqual(expect.objectContaining({ peer: 'identity', kind: 'unreachable', cause: 'Error ECONNREFUSED', path: `/internal/orgs/${org.id}/people`, answered: 503 }));
    });

    it('answers a peer\'s 500 as a 502 that leaks none of its internals, and its 503 as a 503', async () => {
      peers.failNext.set('identity', { status: 500, body: { detail: 'relation "identity.people" does not exist; postgres://admin:hunter2@db:5432' } });
      const body = await expectProblem(await call('/v1/people?query=ada%40contoso.test', { key: org.adminApiKey }), 502);
      expect(body['detail']).toBe('The identity service could not complete the request; try again shortly.');
      expect(JSON.stringify(body)).not.toMatch(/hunter2|relation|postgres/);
      peers.failNext.set('provisioning', { status: 503, body: { detail: 'draining' } });
      await expectProblem(await call('/v1/user-syncs', { key: org.adminApiKey }), 503);
      // The query string (a search for a person) is not logged.
      expect(logLines.join('\n')).not.toContain('ada@contoso.test');
      expect(logLines.join('\n')).not.toContain('ada%40contoso.test');
    });
  });

  it('serves Swagger UI at /docs and the committed document at /docs/openapi.json', async () => {
    const ui = await call('/docs');
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
    for (const asset of ['/docs/swagger-ui-init.js', '/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js']) {
      expect({ asset, status: (await call(asset)).status }).toEqual({ asset, status: 200 });
    }
    const served = await call('/docs/openapi.json');
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual(JSON.parse(readFileSync(committedOpenApiPath(), 'utf8')));
  });

  it('never answers or logs a secret, and every peer call carried the internal bearer', () => {
    expect(peers.unauthorizedCalls).toBe(0);
    expect(peers.calls.length).toBeGreaterThan(20);
    const answered = responses.join('\n');
    const logged = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(0);
    for (const [name, secret] of Object.entries(SECRETS)) {
      expect({ name, inResponses: answered.includes(secret) }).toEqual({ name, inResponses: false });
      expect({ name, inLogs: logged.includes(secret) }).toEqual({ name, inLogs: false });
    }
    expect(logged).not.toContain(operatorKey);
    expect(logged).not.toContain('pk_live_');
  });
});

// A database an earlier version left (organizations in the gateway's schema), then this version started on it.
describe('gateway upgraded over an earlier version\'s database', () => {
  const operatorKey = randomBytes(32).toString('base64url');
  const peers = new FakePeers(INTERNAL_TOKEN);
  const logLines: string[] = [];
  const earlier = { id: 'org_EarlierVersion01', name: 'Initech', createdAt: '2026-10-01T09:30:00.000Z' };
  const earlierKey = issueApiKey();
  let database: FreshDatabase;
  let gateway: InProcessService | undefined;

  beforeAll(async () => {
    database = await createFreshDatabase(integrationEnv().databaseUrl, 'parley_gw_up');
    // The earlier version's own migrations and its way of storing an org and its admin key.
    const logger = createLogger({ service: 'gateway', level: 'warn', destination: { write: (line: string) => void logLines.push(line) } });
    const old = createServiceDataSource({ url: database.url, poolSize: 2, schema: 'gateway', migrations: [GatewayInit1732700000100, GatewayOrgsAndKeys1795800000000], logger });
    await initializeAndMigrate(old, 'gateway', logger);
    await old.query('INSERT INTO gateway.orgs (id, name, created_at) VALUES ($1, $2, $3)', [earlier.id, earlier.name, earlier.createdAt]);
    await old.query(`INSERT INTO gateway.api_keys (id, org_id, lookup_prefix, key_hash, role) VALUES ('key_Earlier000000001', $1, $2, $3, 'admin')`, [
      earlier.id,
      earlierKey.lookupPrefix,
      earlierKey.hash,
    ]);
    await old.destroy();
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await peers.stop();
    await database?.drop();
  });

  it('keeps the organization and its key while identity is unreachable, then hands it over to identity', async () => {
    const peerUrls = await peers.start();
    const logger = createLogger({ service: 'gateway', level: 'info', destination: { write: (line: string) => void logLines.push(line) } });
    gateway = await startServiceInProcess(createGatewayService({ operatorApiKey: new Secret(operatorKey) }), {
      databaseUrl: database.url,
      logger,
      internalToken: INTERNAL_TOKEN,
      // identity is down at first: nothing may be lost meanwhile.
      peers: { ...peerUrls, identity: await closedPortUrl() },
    });
    const url = gateway.url;
    const get = async (key: string) => {
      const response = await fetch(`${url}/v1/orgs/${earlier.id}`, { headers: { authorization: `Bearer ${key}` } });
      return { status: response.status, body: (await response.json()) as unknown };
    };
    const waiting = async () => (await gateway?.dataSource.query('SELECT id FROM gateway.orgs_to_hand_over')) as { id: string }[];

    // The earlier admin key still works, and its org still answers, from the rows waiting to be handed over.
    expect(await get(earlierKey.key)).toEqual({ status: 200, body: earlier });
    expect(await get(operatorKey)).toEqual({ status: 200, body: earlier });
    expect(await waiting()).toEqual([{ id: earlier.id }]);
    const deadline = Date.now() + 20_000;
    while (!logLines.some((l) => l.includes('handing organizations over to identity failed')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(peers.organizations.size).toBe(0);

    // identity is back: the next try hands the org over with its id and creation time, then forgets it here.
    gateway.internalApi.setUrl('identity', peerUrls['identity'] as string);
    while ((await waiting()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await waiting()).toEqual([]);
    expect(peers.calls.filter((c) => c.peer === 'identity' && c.method === 'PUT')).toEqual([
      expect.objectContaining({ path: `/internal/orgs/${earlier.id}`, body: { name: earlier.name, createdAt: earlier.createdAt } }),
    ]);
    expect(peers.organizations.get(earlier.id)).toEqual(earlier);
    expect(await get(earlierKey.key)).toEqual({ status: 200, body: earlier });
    const connections = await fetch(`${url}/v1/connections`, { headers: { authorization: `Bearer ${earlierKey.key}` } });
    expect(connections.status).toBe(200);
    expect(logLines.join('\n')).toContain('handed the organizations of the gateway schema over to identity');
  });
});

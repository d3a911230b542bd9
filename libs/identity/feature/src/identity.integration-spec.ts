import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import pino from 'pino';
import { Agent } from 'undici';
import { loadConfig, Secret } from '@parley/config';
import { toOutgoingRecord } from '@parley/messaging';
import type { Payload, PayloadIn, TopicName } from '@parley/contracts';
import { CredentialStore, SecretBox, VaultKeyring } from '@parley/identity-credential-vault';
import { NEEDS_ATTENTION_PROBLEM, SLACK_CONSENT_WRONG_ACCOUNT_PROBLEM, WORKSPACE_TAKEN_PROBLEM, type ConnectionView, type PeoplePage, type PersonView } from '@parley/internal-api';
import { InProcessBroker, InProcessBus } from '@parley/messaging';
import { startPlatformSandboxes, type PlatformSandboxes } from '@parley/sandbox-runner';
import { createFreshDatabase, integrationEnv, type FreshDatabase } from '@parley/testing';
import { startServiceInProcess, type InProcessService } from '@parley/testing-in-process';
import { meetsEntraComplexity } from './guests/guest-password';
import { createIdentityService, identityService } from './index';

async function eventually<T>(probe: () => Promise<T>, until: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (until(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: last saw ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const ORG = 'org_IdentityTest0001';
const OTHER_ORG = 'org_SomeoneElse00001';
const INTERNAL_TOKEN = `internal_${randomBytes(24).toString('base64url')}`;
const REDIRECT_URI = 'http://localhost:3000/auth/callback';
const SLACK_REDIRECT_URI = 'http://localhost:3000/auth/slack/callback';

// identity in-process on real PostgreSQL (in-process bus and cache), over real HTTP, with the Graph sandbox as the
// identity platform's token endpoint.
describe('identity service', () => {
  const vaultKey = randomBytes(32).toString('base64');
  let sandboxes: PlatformSandboxes;
  let agent: Agent;
  let database: FreshDatabase;
  let identity: InProcessService;
  let db: Client;
  let vault: CredentialStore;
  /** The test's own connection as the vault's SqlExecutor (rows, not pg's result object). */
  const sql = { query: async (text: string, params?: unknown[]) => (await db.query(text, params)).rows as unknown };
  const reconciled: Payload<'parley.identity.directory.reconciled.v1'>[] = [];
  const announced: Payload<'parley.identity.directory.people.applied.v1'>[] = [];
  const organizationsCreated: Payload<'parley.organization.created.v1'>[] = [];
  /** identity's answers to result events, each with the account row as the database held it when it arrived. */
  const recorded: { payload: Payload<'parley.identity.account.recorded.v1'>; rowThen: Record<string, unknown> | undefined }[] = [];
  const logLines: string[] = [];

  /** fetch trusting the Graph sandbox's CA (an undici dispatcher; Node's fetch accepts undici 7's). */
  const sandboxFetch = (input: string | URL, init: RequestInit = {}) => fetch(input, { ...init, dispatcher: agent } as unknown as RequestInit);

  beforeAll(async () => {
    sandboxes = await startPlatformSandboxes({ limitsEnabled: false });
    agent = new Agent({ connect: { ca: sandboxes.graph.caPem } });
    database = await createFreshDatabase(integrationEnv().databaseUrl, 'parley_identity');
    const config = loadConfig(identityService.configSections ?? {}, {
      PARLEY_VAULT_KEYS: `k1:${vaultKey}`,
      PARLEY_VAULT_ACTIVE_KEY: 'k1',
      PARLEY_PRIMARY_WHEN_BOTH: 'teams',
      PARLEY_CONSENT_TTL_SECONDS: '120',
    });
    const definition = createIdentityService({ fetch: sandboxFetch });
    const broker = new InProcessBroker(4);
    // Everything identity logs, at every level, so the last test can prove no secret or token is in it.
    const logger = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
    // Stands in for provisioning: records every reconciled event identity publishes.
    const listener = new InProcessBus(broker, { service: 'provisioning', logger });
    listener.subscribe('parley.identity.directory.reconciled.v1', async (payload) => void reconciled.push(payload), { group: 'test-provisioning' });
    listener.subscribe('parley.identity.directory.people.applied.v1', async (payload) => void announced.push(payload), { group: 'test-provisioning' });
    listener.subscribe('parley.organization.created.v1', async (payload) => void organizationsCreated.push(payload), { group: 'test-organizations' });
    listener.subscribe(
      'parley.identity.account.recorded.v1',
      async (payload) => {
        const kind = payload.action.endsWith('guest') ? 'guest' : 'mirror';
        const { rows } = await db.query(`SELECT platform_user_id, status, attention_reason FROM identity.platform_accounts WHERE person_id = $1 AND kind = $2`, [payload.personId, kind]);
        recorded.push({ payload, rowThen: rows[0] as Record<string, unknown> | undefined });
      },
      { group: 'test-provisioning' },
    );
    await listener.start();
    identity = await startServiceInProcess(definition, { databaseUrl: database.url, broker, internalToken: INTERNAL_TOKEN, config, logger });
    db = new Client({ connectionString: database.url });
    await db.connect();
    vault = new CredentialStore({
      box: new SecretBox(new VaultKeyring({ keys: new Map([['k1', new Secret(vaultKey)]]), activeKeyId: 'k1' })),
      db: sql,
      schema: 'identity',
    });
  }, 120_000);

  afterAll(async () => {
    await identity?.stop();
    await db?.end();
    await database?.drop();
    await sandboxes?.stop();
    await agent?.close();
  });

  const call = async (method: string, path: string, body?: unknown, token: string | null = INTERNAL_TOKEN) => {
    const response = await fetch(`${identity.url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type') ?? '', text, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const expectProblem = (response: Awaited<ReturnType<typeof call>>, status: number, detail?: RegExp) => {
    expect({ status: response.status, type: response.type }).toEqual({ status, type: expect.stringMatching(/^application\/problem\+json/) });
    expect(response.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
    if (detail) expect(response.body['detail']).toMatch(detail);
    return response.body;
  };
  const rowsOf = async (sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows as Record<string, unknown>[];
  const publish = <T extends TopicName>(topic: T, payload: PayloadIn<T>) => identity.bus.publish(topic, payload);
  const observe = (fields: Partial<PayloadIn<'parley.directory.user.observed.v1'>> & { email: string; platform: 'slack' | 'teams'; platformUserId: string }) =>
    publish('parley.directory.user.observed.v1', {
      orgId: ORG,
      displayName: fields.email.split('@')[0] as string,
      isBot: false,
      isDeactivated: false,
      observedAt: new Date().toISOString(),
      ...fields,
    });
  const person = async (email: string, orgId = ORG) => {
    const [row] = await rowsOf(`SELECT id FROM identity.people WHERE org_id = $1 AND email = $2`, [orgId, email]);
    return row?.['id'] as string | undefined;
  };
  const personView = async (id: string) => (await call('GET', `/internal/orgs/${ORG}/people/${id}`)).body as unknown as PersonView;

  const g = () => sandboxes.credentials.graph;
  const s = () => sandboxes.credentials.slack;
  const teamsRequest = () => ({
    platform: 'teams',
    settings: {
      platform: 'teams',
      tenantId: g().customerTenantId,
      clientId: g().clientId,
      homeTenantId: g().homeTenantId,
      homeTenantDomain: g().homeTenantDomain,
      teamIds: [g().teamId],
      teamOwnerUsername: g().teamOwner.username,
      authorityUrl: g().authorityUrl,
      graphUrl: g().graphUrl,
    },
    secrets: { clientSecret: g().clientSecret, teamOwnerPassword: g().teamOwner.password },
  });
  const slackRequest = () => ({
    platform: 'slack',
    settings: {
      platform: 'slack',
      teamId: s().teamId,
      teamName: 'Demo',
      botUserId: 'U0PARLEY',
      apiUrl: s().apiUrl,
      scimUrl: s().scimUrl,
      scim: true,
      scopes: ['users:read', 'users:read.email', 'chat:write', 'chat:write.customize'],
      clientId: s().clientId,
    },
    secrets: { botToken: s().botToken, signingSecret: s().signingSecret, scimToken: s().scimToken, clientSecret: s().clientSecret },
  });
  let teamsConnectionId: string;
  let slackConnectionId: string;

  it('refuses calls without the internal token, as problem details', async () => {
    expectProblem(await call('GET', `/internal/orgs/${ORG}/connections`, undefined, null), 401);
    expectProblem(await call('GET', `/internal/orgs/${ORG}/connections`, undefined, `${INTERNAL_TOKEN}x`), 401);
    expectProblem(await call('GET', '/internal/nothing-here'), 404);
  });

  it('records organizations and announces each once through the outbox; adopts a handed-over one under its own id', async () => {
    const created = await call('POST', '/internal/orgs', { name: '  Contoso  ' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^org_[A-Za-z0-9]{16}$/), name: 'Contoso', createdAt: expect.any(String) });
    const id = created.body['id'] as string;
    expect((await call('GET', `/internal/orgs/${id}`)).body).toEqual(created.body);
    expectProblem(await call('GET', '/internal/orgs/org_NobodyHere00001'), 404);
    expectProblem(await call('GET', '/internal/orgs/not-an-org'), 400, /^orgId/);
    expect(expectProblem(await call('POST', '/internal/orgs', { name: '', plan: 'gold' }), 400)['errors']).toEqual([
      { field: 'name', message: expect.any(String) },
      { field: 'plan', message: 'unknown field' },
    ]);

    // An earlier version's organization, handed over by the gateway (twice, as after a crash between PUT and delete).
    const earlier = { name: 'Initech', createdAt: '2026-10-01T09:30:00.000Z' };
    const adopted = await call('PUT', '/internal/orgs/org_EarlierVersion01', earlier);
    expect(adopted).toMatchObject({ status: 200, body: { id: 'org_EarlierVersion01', ...earlier } });
    const again = await call('PUT', '/internal/orgs/org_EarlierVersion01', { ...earlier, name: 'Initech (renamed meanwhile)' });
    expect(again.body).toEqual(adopted.body);

    await eventually(async () => organizationsCreated.length, (n) => n >= 2, 'organization.created events');
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Keyed by org, so the two may arrive in either order; the second PUT announced nothing.
    expect(organizationsCreated).toHaveLength(2);
    expect(organizationsCreated).toEqual(
      expect.arrayContaining([
        { orgId: id, name: 'Contoso', createdAt: created.body['createdAt'] },
        { orgId: 'org_EarlierVersion01', ...earlier },
      ]),
    );
    expect(await rowsOf('SELECT id, name FROM identity.organizations ORDER BY created_at')).toEqual([
      { id: 'org_EarlierVersion01', name: 'Initech' },
      { id, name: 'Contoso' },
    ]);
  });

  it('stores connections with sealed secrets: never in a view, never in plaintext in a row; one live connection per platform', async () => {
    const slack = await call('POST', `/internal/orgs/${ORG}/connections`, slackRequest());
    expect(slack.status).toBe(201);
    const teams = await call('POST', `/internal/orgs/${ORG}/connections`, teamsRequest());
    expect(teams.status).toBe(201);
    expect(teams.body).toEqual({ id: expect.any(String), orgId: ORG, platform: 'teams', settings: teamsRequest().settings, createdAt: expect.any(String) });
    slackConnectionId = slack.body['id'] as string;
    teamsConnectionId = teams.body['id'] as string;

    const secrets = [s().botToken, s().signingSecret, s().scimToken, s().clientSecret, g().clientSecret, g().teamOwner.password];
    const responses = [slack.text, teams.text];
    const duplicate = await call('POST', `/internal/orgs/${ORG}/connections`, teamsRequest());
    expectProblem(duplicate, 409, /^platform: /);
    responses.push(duplicate.text);

    const list = await call('GET', `/internal/orgs/${ORG}/connections`);
    expect(list.status).toBe(200);
    expect((list.body['items'] as ConnectionView[]).map((c) => c.platform).sort()).toEqual(['slack', 'teams']);
    const one = await call('GET', `/internal/orgs/${ORG}/connections/${teamsConnectionId}`);
    expect(one.body).toEqual(teams.body);
    responses.push(list.text, one.text);
    // teams-connector's view of every live Teams connection across organizations (the subscriptions it keeps).
    const platform = await call('GET', '/internal/connections?platform=teams');
    expect((platform.body['items'] as ConnectionView[]).filter((c) => c.orgId === ORG)).toEqual([teams.body]);
    expect((platform.body['items'] as ConnectionView[]).every((c) => c.platform === 'teams')).toBe(true);
    expectProblem(await call('GET', '/internal/connections?platform=zoom'), 400, /platform/);
    expectProblem(await call('GET', '/internal/connections?platform=teams', undefined, null), 401);
    responses.push(platform.text);
    for (const text of responses) for (const secret of secrets) expect(text).not.toContain(secret);

    // Another org sees none of it.
    expectProblem(await call('GET', `/internal/orgs/${OTHER_ORG}/connections/${teamsConnectionId}`), 404);
    expectProblem(await call('GET', `/internal/orgs/${OTHER_ORG}/connections/${teamsConnectionId}/secrets`), 404);
    expect((await call('GET', `/internal/orgs/${OTHER_ORG}/connections`)).body).toEqual({ items: [] });

    // Connectors get the opened secrets.
    const opened = await call('GET', `/internal/orgs/${ORG}/connections/${slackConnectionId}/secrets`);
    expect(opened.body).toEqual({ id: slackConnectionId, orgId: ORG, platform: 'slack', settings: slackRequest().settings, secrets: slackRequest().secrets });
    const openedTeams = await call('GET', `/internal/orgs/${ORG}/connections/${teamsConnectionId}/secrets`);
    expect(openedTeams.body['secrets']).toEqual(teamsRequest().secrets);

    const dump = JSON.stringify([...(await rowsOf('SELECT * FROM identity.connections')), ...(await rowsOf('SELECT * FROM identity.credentials'))]);
    for (const secret of secrets) {
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(Buffer.from(secret).toString('base64'));
    }
    expect(await rowsOf(`SELECT purpose FROM identity.credentials WHERE owner_id = $1 ORDER BY purpose`, [teamsConnectionId])).toEqual([
      { purpose: 'teams.client-secret' },
      { purpose: 'teams.team-owner-password' },
    ]);
  });

  it("keeps a Teams connection's notification keys sealed in the vault, for teams-connector to read back and replace", async () => {
    const path = `/internal/orgs/${ORG}/connections/${teamsConnectionId}/teams-notification-keys`;
    expect((await call('GET', path)).body).toEqual({ activeKeyId: null, keys: [] });
    const privateKey = `-----BEGIN PRIVATE KEY-----\n${randomBytes(48).toString('base64')}\n-----END PRIVATE KEY-----\n`;
    const key = (id: string, material: string) => ({ id, certificate: Buffer.from(`certificate of ${id}`).toString('base64'), privateKey: material, createdAt: '2026-12-05T00:00:00.000Z' });
    const set = { activeKeyId: 'parley-1', keys: [key('parley-1', privateKey)] };
    expect((await call('PUT', path, set)).status).toBe(204);
    expect((await call('GET', path)).body).toEqual(set);
    // Rotated: a new active key, the old one kept while a subscription uses it.
    const rotated = { activeKeyId: 'parley-2', keys: [key('parley-1', privateKey), key('parley-2', `${privateKey}2`)] };
    expect((await call('PUT', path, rotated)).status).toBe(204);
    expect((await call('GET', path)).body).toEqual(rotated);
    // Sealed at rest like every other secret; never in a row in plaintext.
    const dump = JSON.stringify(await rowsOf('SELECT * FROM identity.credentials WHERE owner_id = $1', [teamsConnectionId]));
    expect(dump).toContain('teams.notification-keys');
    expect(dump).not.toContain(privateKey.split('\n')[1] as string);
    // Checked: the active key is one of the set; only Teams connections; only the org's own; only with the token.
    expectProblem(await call('PUT', path, { activeKeyId: 'parley-9', keys: [key('parley-1', privateKey)] }), 400, /^activeKeyId/);
    expectProblem(await call('PUT', path, { activeKeyId: 'parley-1', keys: [{ id: 'parley-1' }] }), 400);
    expectProblem(await call('GET', `/internal/orgs/${ORG}/connections/${slackConnectionId}/teams-notification-keys`), 400);
    expectProblem(await call('GET', `/internal/orgs/${OTHER_ORG}/connections/${teamsConnectionId}/teams-notification-keys`), 404);
    expectProblem(await call('GET', path, undefined, null), 401);
  });

  it('answers a malformed connection with a 400 naming the field, and deletes connections with their secrets', async () => {
    const bad = teamsRequest();
    const { tenantId: _dropped, ...settings } = bad.settings;
    const problem = expectProblem(await call('POST', `/internal/orgs/${ORG}/connections`, { ...bad, settings }), 400, /settings\.tenantId/);
    expect(JSON.stringify(problem)).not.toContain(g().clientSecret);
    expectProblem(await call('POST', '/internal/orgs/not-an-org/connections', teamsRequest()), 400, /^orgId/);

    expectProblem(await call('DELETE', `/internal/orgs/${OTHER_ORG}/connections/${teamsConnectionId}`), 404);
    expect((await call('DELETE', `/internal/orgs/${ORG}/connections/${teamsConnectionId}`)).status).toBe(204);
    expectProblem(await call('GET', `/internal/orgs/${ORG}/connections/${teamsConnectionId}`), 404);
    expectProblem(await call('DELETE', `/internal/orgs/${ORG}/connections/${teamsConnectionId}`), 404);
    expectProblem(await call('DELETE', `/internal/orgs/${ORG}/connections/nope`), 404);
    expect(await rowsOf(`SELECT 1 FROM identity.credentials WHERE owner_id = $1`, [teamsConnectionId])).toEqual([]);

    // The slot is free again.
    const again = await call('POST', `/internal/orgs/${ORG}/connections`, teamsRequest());
    expect(again.status).toBe(201);
    teamsConnectionId = again.body['id'] as string;
  });

  it('gives a Slack workspace or a Microsoft 365 tenant to one organization at a time, without saying which', async () => {
    // ORG holds both (previous tests); OTHER_ORG tries the same workspace and tenant.
    const slack = expectProblem(await call('POST', `/internal/orgs/${OTHER_ORG}/connections`, slackRequest()), 409, /Slack workspace is already connected/);
    expect(slack).toMatchObject({ type: WORKSPACE_TAKEN_PROBLEM, errors: [{ field: 'settings.teamId', message: expect.any(String) }] });
    const teams = expectProblem(await call('POST', `/internal/orgs/${OTHER_ORG}/connections`, teamsRequest()), 409, /Microsoft 365 tenant is already connected/);
    expect(teams).toMatchObject({ type: WORKSPACE_TAKEN_PROBLEM, errors: [{ field: 'settings.tenantId', message: expect.any(String) }] });
    for (const body of [slack, teams]) expect(JSON.stringify(body)).not.toMatch(new RegExp(`${ORG}|${slackConnectionId}|${teamsConnectionId}`));
    expect((await call('GET', `/internal/orgs/${OTHER_ORG}/connections`)).body).toEqual({ items: [] });

    // Another workspace is free for OTHER_ORG.
    const elsewhere = { ...slackRequest(), settings: { ...slackRequest().settings, teamId: `T_ELSEWHERE_${randomBytes(4).toString('hex')}` } };
    const own = await call('POST', `/internal/orgs/${OTHER_ORG}/connections`, elsewhere);
    expect(own.status).toBe(201);
    expect((await call('DELETE', `/internal/orgs/${OTHER_ORG}/connections/${own.body['id']}`)).status).toBe(204);
  });

  it('lets exactly one of many organizations racing to connect one workspace win, and frees it on delete', async () => {
    const teamId = `T_RACE_${randomBytes(4).toString('hex')}`;
    const request = { ...slackRequest(), settings: { ...slackRequest().settings, teamId } };
    const orgs = Array.from({ length: 8 }, (_, i) => `org_Racer${i}${randomBytes(6).toString('hex')}`);
    // All at once, each on its own connection to identity, so the inserts overlap in PostgreSQL.
    const answers = await Promise.all(orgs.map((orgId) => call('POST', `/internal/orgs/${orgId}/connections`, request)));
    const winners = answers.filter((a) => a.status === 201);
    expect({ winners: winners.length, refused: answers.filter((a) => a.status === 409 && a.body['type'] === WORKSPACE_TAKEN_PROBLEM).length }).toEqual({
      winners: 1,
      refused: orgs.length - 1,
    });
    const live = await rowsOf(`SELECT org_id FROM identity.connections WHERE settings->>'teamId' = $1 AND deleted_at IS NULL`, [teamId]);
    expect(live).toEqual([{ org_id: winners[0]?.body['orgId'] }]);
    // The losers left nothing behind: no connection row, no sealed secret.
    expect(await rowsOf(`SELECT 1 FROM identity.connections WHERE settings->>'teamId' = $1`, [teamId])).toHaveLength(1);
    expect(await rowsOf(`SELECT DISTINCT org_id FROM identity.credentials WHERE org_id = ANY($1)`, [orgs])).toEqual(live);

    // Deleting the winner's connection frees the workspace for a loser.
    const winner = winners[0]?.body as { id: string; orgId: string };
    expect((await call('DELETE', `/internal/orgs/${winner.orgId}/connections/${winner.id}`)).status).toBe(204);
    const loser = orgs.find((o) => o !== winner.orgId) as string;
    const next = await call('POST', `/internal/orgs/${loser}/connections`, request);
    expect(next.status).toBe(201);
    expect((await call('DELETE', `/internal/orgs/${loser}/connections/${next.body['id']}`)).status).toBe(204);
  });

  it('matches people across directories, decides primary platform and status, and filters and pages them', async () => {
    await observe({ platform: 'slack', platformUserId: 'U_ADA', email: ' Ada@Example.com ', realName: 'Ada Lovelace' });
    await observe({ platform: 'teams', platformUserId: 'oid-bob', email: 'bob@example.com', realName: 'Bob Brown' });
    await observe({ platform: 'slack', platformUserId: 'U_CYD', email: 'cyd@example.com', realName: 'Cyd Charisse' });
    await observe({ platform: 'teams', platformUserId: 'oid-cyd', email: 'cyd@example.com', realName: 'Cyd Charisse' });
    await observe({ platform: 'slack', platformUserId: 'U_DEE', email: 'dee@example.com', realName: 'Dee Dee', isDeactivated: true });
    await observe({ platform: 'slack', platformUserId: 'B_BOT', email: 'bot@example.com', realName: 'Deploy Bot', isBot: true });
    await observe({ platform: 'teams', platformUserId: 'oid-eve', email: 'eve_x@example.com', realName: 'Eve 100%' });
    await observe({ platform: 'slack', platformUserId: 'U_ADA_OTHER', email: 'ada@example.com', orgId: OTHER_ORG });

    const list = (query = '') => call('GET', `/internal/orgs/${ORG}/people${query ? `?${query}` : ''}`);
    const emails = (page: Awaited<ReturnType<typeof call>>) => (page.body as unknown as PeoplePage).items.map((p) => p.email);
    await eventually(async () => emails(await list()), (e) => e.length === 5 && e.includes('cyd@example.com'), 'five people');
    await eventually(async () => (await personView((await person('cyd@example.com')) as string)).accounts.length, (n) => n === 2, 'cyd on both');

    const all = (await list()).body as unknown as PeoplePage;
    expect(all.items.map((p) => [p.email, p.primaryPlatform, p.status])).toEqual([
      ['ada@example.com', 'slack', 'active'],
      ['bob@example.com', 'teams', 'active'],
      ['cyd@example.com', 'teams', 'active'],
      ['dee@example.com', 'slack', 'deactivated'],
      ['eve_x@example.com', 'teams', 'active'],
    ]);
    const ada = all.items[0] as PersonView;
    expect(ada).toMatchObject({ orgId: ORG, displayName: 'Ada Lovelace', accounts: [{ platform: 'slack', kind: 'native', status: 'active', platformUserId: 'U_ADA' }] });
    expect(all.items[1]?.accounts).toEqual([{ platform: 'teams', kind: 'native', status: 'active', platformUserId: 'oid-bob', consented: false }]);
    expect(all.nextCursor).toBeNull();

    expect(emails(await list('query=CYD'))).toEqual(['cyd@example.com']);
    expect(emails(await list('query=Lovelace'))).toEqual(['ada@example.com']);
    expect(emails(await list('query=_'))).toEqual(['eve_x@example.com']);
    expect(emails(await list('query=100%25'))).toEqual(['eve_x@example.com']);
    expect(emails(await list('primaryPlatform=teams'))).toEqual(['bob@example.com', 'cyd@example.com', 'eve_x@example.com']);
    expect(emails(await list('status=deactivated'))).toEqual(['dee@example.com']);
    expect(emails(await list('status=active&primaryPlatform=slack'))).toEqual(['ada@example.com']);

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const page = (await list(`limit=2${cursor ? `&cursor=${cursor}` : ''}`)).body as unknown as PeoplePage;
      pages.push(page.items.map((p) => p.email));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages).toEqual([['ada@example.com', 'bob@example.com'], ['cyd@example.com', 'dee@example.com'], ['eve_x@example.com']]);

    expectProblem(await list('cursor=bm9wZQ'), 400, /^cursor/);
    const bad = expectProblem(await list('limit=0&color=red'), 400);
    expect((bad['errors'] as { field: string }[]).map((e) => e.field).sort()).toEqual(['color', 'limit']);
    expectProblem(await list('status=sleepy'), 400, /status/);

    // Other orgs' people are invisible.
    const other = (await person('ada@example.com', OTHER_ORG)) as string;
    expectProblem(await call('GET', `/internal/orgs/${ORG}/people/${other}`), 404);
    expectProblem(await call('GET', `/internal/orgs/${ORG}/people/not-a-uuid`), 404);
  });

  it("keeps an admin's primary platform through later syncs and follows the native account there for status", async () => {
    const cyd = (await person('cyd@example.com')) as string;
    const patched = await call('PATCH', `/internal/orgs/${ORG}/people/${cyd}`, { primaryPlatform: 'slack' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ primaryPlatform: 'slack', status: 'active' });
    expectProblem(await call('PATCH', `/internal/orgs/${ORG}/people/${cyd}`, { primaryPlatform: 'zoom' }), 400, /primaryPlatform/);

    await observe({ platform: 'slack', platformUserId: 'U_CYD', email: 'cyd@example.com', isDeactivated: true });
    await observe({ platform: 'teams', platformUserId: 'oid-cyd', email: 'cyd@example.com' });
    const after = await eventually(() => personView(cyd), (p) => p.status === 'deactivated', 'cyd deactivated on slack');
    expect(after.primaryPlatform).toBe('slack');
  });

  it('publishes parley.identity.directory.reconciled.v1 exactly once per import, whichever arrives last', async () => {
    // Slack: observations first, then the completion.
    const slackSync = randomUUID();
    for (const [i, email] of ['r1@example.com', 'r2@example.com', 'r3@example.com'].entries()) {
      await observe({ platform: 'slack', platformUserId: `U_R${i}`, email, syncId: slackSync });
    }
    const appliedSoFar = (syncId: string) => rowsOf(`SELECT count(*)::int AS n FROM identity.directory_import_users WHERE sync_id = $1`, [syncId]);
    await eventually(() => appliedSoFar(slackSync), (r) => r[0]?.['n'] === 3, 'three applied');
    expect(reconciled.filter((r) => r.syncId === slackSync)).toEqual([]);
    await publish('parley.directory.import.completed.v1', { orgId: ORG, syncId: slackSync, connectionId: slackConnectionId, platform: 'slack', observed: 3, incremental: false });

    // Teams: the completion first, then the observations (one delivered twice, one user read twice by a re-run).
    const teamsSync = randomUUID();
    await publish('parley.directory.import.completed.v1', { orgId: ORG, syncId: teamsSync, connectionId: teamsConnectionId, platform: 'teams', observed: 3, incremental: false });
    const first = toOutgoingRecord('parley.directory.user.observed.v1', {
      orgId: ORG,
      syncId: teamsSync,
      platform: 'teams',
      platformUserId: 'oid-t1',
      email: 't1@example.com',
      displayName: 'T1',
      isBot: false,
      isDeactivated: false,
      observedAt: new Date().toISOString(),
    }, 'teams-connector');
    await identity.bus.publishRecords([first, first]);
    await observe({ platform: 'teams', platformUserId: 'oid-t1', email: 't1@example.com', syncId: teamsSync });
    await observe({ platform: 'teams', platformUserId: 'oid-t2', email: 't2@example.com', syncId: teamsSync });
    await eventually(() => appliedSoFar(teamsSync), (r) => r[0]?.['n'] === 2, 'two distinct applied');
    expect(reconciled.filter((r) => r.syncId === teamsSync)).toEqual([]);
    // A bot is an observation too: it completes the count.
    await observe({ platform: 'teams', platformUserId: 'oid-bot', email: 'teams-bot@example.com', syncId: teamsSync, isBot: true });

    await eventually(async () => reconciled.filter((r) => r.syncId === slackSync || r.syncId === teamsSync).length, (n) => n >= 2, 'two reconciled events');
    // A late duplicate completion changes nothing.
    await publish('parley.directory.import.completed.v1', { orgId: ORG, syncId: teamsSync, connectionId: teamsConnectionId, platform: 'teams', observed: 3, incremental: false });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(reconciled.filter((r) => r.syncId === slackSync)).toEqual([{ orgId: ORG, syncId: slackSync, platform: 'slack', observed: 3 }]);
    expect(reconciled.filter((r) => r.syncId === teamsSync)).toEqual([{ orgId: ORG, syncId: teamsSync, platform: 'teams', observed: 3 }]);
    expect(await person('teams-bot@example.com')).toBeUndefined();
    expect(await rowsOf(`SELECT count(*)::int AS n FROM identity.directory_import_users WHERE sync_id = ANY($1::uuid[])`, [[slackSync, teamsSync]])).toEqual([{ n: 0 }]);
    expect(await rowsOf(`SELECT applied FROM identity.directory_imports WHERE sync_id = ANY($1::uuid[]) ORDER BY platform`, [[slackSync, teamsSync]])).toEqual([{ applied: 3 }, { applied: 3 }]);
  });

  it('announces the users it applies once the other import of the sync is reconciled, each once, and none before', async () => {
    const syncId = randomUUID();
    const announcedUsers = () => announced.filter((a) => a.syncId === syncId).flatMap((a) => a.platformUserIds).sort();
    const appliedSoFar = async () => (await rowsOf(`SELECT count(*)::int AS n FROM identity.directory_import_users WHERE sync_id = $1`, [syncId]))[0]?.['n'];
    // Slack users applied while the Teams import still runs: not final yet, not announced.
    await observe({ platform: 'slack', platformUserId: 'U_AN1', email: 'an1@example.com', syncId });
    await eventually(appliedSoFar, (n) => n === 1, 'the first applied');

    await observe({ platform: 'teams', platformUserId: 'oid-an1', email: 'an1@example.com', syncId });
    await publish('parley.directory.import.completed.v1', { orgId: ORG, syncId, connectionId: teamsConnectionId, platform: 'teams', observed: 1, incremental: false });
    await eventually(async () => reconciled.filter((r) => r.syncId === syncId), (r) => r.length === 1, 'teams reconciled');
    expect(announcedUsers()).toEqual([]);

    // From now on each Slack user applied is announced, with the sync and platform; a user read twice once.
    await observe({ platform: 'slack', platformUserId: 'U_AN2', email: 'an2@example.com', syncId });
    await observe({ platform: 'slack', platformUserId: 'U_AN3', email: 'an3@example.com', syncId });
    await observe({ platform: 'slack', platformUserId: 'U_AN2', email: 'an2@example.com', syncId });
    await eventually(async () => announcedUsers(), (u) => u.length === 2, 'two announced');
    await publish('parley.directory.import.completed.v1', { orgId: ORG, syncId, connectionId: slackConnectionId, platform: 'slack', observed: 3, incremental: false });
    await eventually(async () => reconciled.filter((r) => r.syncId === syncId), (r) => r.length === 2, 'slack reconciled');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(announcedUsers()).toEqual(['U_AN2', 'U_AN3']);
    expect(announced.filter((a) => a.syncId === syncId).every((a) => a.orgId === ORG && a.platform === 'slack')).toBe(true);
    // The people behind them are there to be read when the announcement arrives.
    expect(await person('an3@example.com')).toEqual(expect.any(String));
  });

  it('reconciles a large import exactly once while its observations are applied concurrently', async () => {
    const size = 400;
    const observation = (syncId: string, i: number) =>
      toOutgoingRecord('parley.directory.user.observed.v1', {
        orgId: ORG,
        syncId,
        platform: 'slack',
        platformUserId: `U_BULK${i}`,
        email: `bulk${i}@example.com`,
        displayName: `Bulk ${i}`,
        isBot: false,
        isDeactivated: false,
        observedAt: new Date().toISOString(),
      }, 'slack-connector');
    const completed = (syncId: string) =>
      toOutgoingRecord('parley.directory.import.completed.v1', { orgId: ORG, syncId, connectionId: slackConnectionId, platform: 'slack', observed: size, incremental: false }, 'slack-connector');
    // One import announces its size half way through its observations, the other before them.
    const midway = randomUUID();
    const upfront = randomUUID();
    const records = Array.from({ length: size }, (_, i) => observation(midway, i));
    records.splice(size / 2, 0, completed(midway));
    await Promise.all([identity.bus.publishRecords(records), identity.bus.publishRecords([completed(upfront), ...Array.from({ length: size }, (_, i) => observation(upfront, i))])]);
    await eventually(async () => reconciled.filter((r) => r.syncId === midway || r.syncId === upfront).length, (n) => n >= 2, 'both imports reconciled');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(reconciled.filter((r) => r.syncId === midway)).toEqual([{ orgId: ORG, syncId: midway, platform: 'slack', observed: size }]);
    expect(reconciled.filter((r) => r.syncId === upfront)).toEqual([{ orgId: ORG, syncId: upfront, platform: 'slack', observed: size }]);
    // Observations delivered together share a transaction: now() is the transaction's start, so each distinct
    // processed_at is one transaction (one per observation, 2 x size, before they were batched). How many arrive
    // together depends on the machine's pace, so the bound asks for batching on average, not for a batch size: a
    // consumer that keeps up with a slow producer (a loaded CI machine gave 207 for 400) sees smaller batches.
    const eventIds = records.filter((r) => r.topic === 'parley.directory.user.observed.v1').map((r) => (JSON.parse(r.value) as { id: string }).id);
    const [transactions] = await rowsOf(
      `SELECT count(DISTINCT processed_at)::int AS n FROM identity.processed_messages WHERE consumer = 'identity.directory-observation' AND message_id = ANY($1::text[])`,
      [eventIds],
    );
    expect(transactions?.['n']).toBeLessThan(eventIds.length * 0.75);
  });

  it('applies observations delivered together as one by one would: an account moving to another email, a person seen twice', async () => {
    const observation = (platform: 'slack' | 'teams', platformUserId: string, email: string, extra: { isDeactivated?: boolean; realName?: string } = {}) =>
      toOutgoingRecord('parley.directory.user.observed.v1', {
        orgId: ORG,
        platform,
        platformUserId,
        email,
        displayName: email.split('@')[0] as string,
        isBot: false,
        isDeactivated: false,
        observedAt: new Date().toISOString(),
        ...extra,
      }, platform === 'slack' ? 'slack-connector' : 'teams-connector');
    // Before: the Slack account U_MOVE is old-owner's; old-owner also has a Teams account.
    await identity.bus.publishRecords([observation('slack', 'U_MOVE', 'old-owner@example.com'), observation('teams', 'oid-old-owner', 'old-owner@example.com')]);
    const oldOwner = await eventually(() => person('old-owner@example.com'), (id) => id !== undefined, 'old owner');
    await eventually(() => personView(oldOwner as string), (p) => p.accounts.length === 2, 'old owner on both');
    // Together: U_MOVE now reports new-owner's email, new-owner shows up on Teams too (their name from there), and the
    // Teams account of old-owner is deactivated.
    await identity.bus.publishRecords([
      observation('slack', 'U_MOVE', 'new-owner@example.com', { realName: 'Slack Name' }),
      observation('teams', 'oid-new-owner', 'new-owner@example.com', { realName: 'Teams Name' }),
      observation('teams', 'oid-old-owner', 'old-owner@example.com', { isDeactivated: true }),
    ]);
    const newOwner = await eventually(() => person('new-owner@example.com'), (id) => id !== undefined, 'new owner');
    const moved = await eventually(() => personView(newOwner as string), (p) => p.accounts.length === 2 && p.displayName === 'Teams Name', 'new owner on both');
    expect(moved).toMatchObject({ primaryPlatform: 'teams', status: 'active' });
    expect(moved.accounts.map((a) => a.platformUserId).sort()).toEqual(['U_MOVE', 'oid-new-owner']);
    // The account left old-owner, whose only native account now is the deactivated Teams one.
    const left = await eventually(() => personView(oldOwner as string), (p) => p.status === 'deactivated', 'old owner deactivated');
    expect(left).toMatchObject({ primaryPlatform: 'teams', accounts: [expect.objectContaining({ platformUserId: 'oid-old-owner', status: 'deactivated' })] });
    expect(left.accounts).toHaveLength(1);
  });

  it('makes a guest home password once and answers the same one every time', async () => {
    const ada = (await person('ada@example.com')) as string;
    const upn = `ada.${ada.slice(0, 8)}@${g().homeTenantDomain}`;
    const ask = (id: string, body: unknown) => call('POST', `/internal/orgs/${ORG}/people/${id}/guest-password`, body);
    const first = await ask(ada, { connectionId: teamsConnectionId, homeUserPrincipalName: upn });
    expect(first.status).toBe(200);
    const password = first.body['password'] as string;
    expect(meetsEntraComplexity(password)).toBe(true);
    expect(password.length).toBeGreaterThanOrEqual(16);
    expect((await ask(ada, { connectionId: teamsConnectionId, homeUserPrincipalName: upn })).body).toEqual({ password });

    // Concurrent first calls for one person still agree.
    const bob = (await person('bob@example.com')) as string;
    const bobUpn = `bob.${bob.slice(0, 8)}@${g().homeTenantDomain}`;
    const answers = await Promise.all(Array.from({ length: 6 }, () => ask(bob, { connectionId: teamsConnectionId, homeUserPrincipalName: bobUpn })));
    expect(new Set(answers.map((a) => a.body['password'])).size).toBe(1);

    expectProblem(await ask(ada, { connectionId: teamsConnectionId, homeUserPrincipalName: 'ada@evil.example' }), 400, /^homeUserPrincipalName/);
    expectProblem(await ask(ada, { connectionId: slackConnectionId, homeUserPrincipalName: upn }), 400, /^connectionId/);
    expectProblem(await ask(ada, { connectionId: teamsConnectionId }), 400, /homeUserPrincipalName/);
    expectProblem(await ask(randomUUID(), { connectionId: teamsConnectionId, homeUserPrincipalName: upn }), 404);
    const dump = JSON.stringify(await rowsOf('SELECT * FROM identity.credentials'));
    expect(dump).not.toContain(password);
    expect(dump).not.toContain(upn);
  });

  it('issues and caches app and team owner tokens from the token endpoint', async () => {
    const token = (subject: unknown) => call('POST', `/internal/orgs/${ORG}/tokens`, { connectionId: teamsConnectionId, subject });
    const customer = await token({ kind: 'app', tenant: 'customer' });
    expect(customer.status).toBe(200);
    expect(customer.body).toEqual({ accessToken: expect.any(String), expiresAt: expect.any(String) });
    expect(new Date(customer.body['expiresAt'] as string).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect((await token({ kind: 'app', tenant: 'customer' })).body).toEqual(customer.body);
    const home = await token({ kind: 'app', tenant: 'home' });
    expect(home.body['accessToken']).not.toBe(customer.body['accessToken']);

    const users = await sandboxFetch(`${g().graphUrl}/users?$top=1`, { headers: { authorization: `Bearer ${customer.body['accessToken']}` } });
    expect(users.status).toBe(200);

    const owner = await token({ kind: 'team-owner' });
    expect(owner.status).toBe(200);
    const me = await sandboxFetch(`${g().graphUrl}/me`, { headers: { authorization: `Bearer ${owner.body['accessToken']}` } });
    expect(((await me.json()) as { userPrincipalName: string }).userPrincipalName.toLowerCase()).toBe(g().teamOwner.username.toLowerCase());
    expect(await vault.get(sql, { orgId: ORG, ownerKind: 'connection', ownerId: teamsConnectionId, purpose: 'teams.team-owner.refresh-token' })).not.toBeNull();

    const tokenRows = JSON.stringify(await rowsOf('SELECT * FROM identity.credentials'));
    expect(tokenRows).not.toContain(customer.body['accessToken'] as string);
    expect(tokenRows).not.toContain(owner.body['accessToken'] as string);

    expectProblem(await token({ kind: 'robot' }), 400, /subject/);
    expectProblem(await call('POST', `/internal/orgs/${ORG}/tokens`, { connectionId: slackConnectionId, subject: { kind: 'team-owner' } }), 400, /^connectionId/);
    expectProblem(await call('POST', `/internal/orgs/${OTHER_ORG}/tokens`, { connectionId: teamsConnectionId, subject: { kind: 'team-owner' } }), 404);
  });

  it('signs in as a guest with ROPC, then refreshes with the rotated refresh token; an MFA policy marks the guest needs_attention', async () => {
    const ada = (await person('ada@example.com')) as string;
    const nickname = `ada.${ada.slice(0, 8)}`;
    const upn = `${nickname}@${g().homeTenantDomain}`;
    const { password } = (await call('POST', `/internal/orgs/${ORG}/people/${ada}/guest-password`, { connectionId: teamsConnectionId, homeUserPrincipalName: upn })).body as { password: string };
    // What teams-connector does: the home account with identity's password, then an invitation into the customer tenant.
    sandboxes.graph.control.createAccount({ tenantId: g().homeTenantId, mailNickname: nickname, displayName: 'Ada Lovelace', password });
    const appToken = (await call('POST', `/internal/orgs/${ORG}/tokens`, { connectionId: teamsConnectionId, subject: { kind: 'app', tenant: 'customer' } })).body['accessToken'] as string;
    const invitation = await sandboxFetch(`${g().graphUrl}/invitations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${appToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ invitedUserEmailAddress: upn, inviteRedirectUrl: 'https://parley.example/welcome', sendInvitationMessage: false }),
    });
    expect(invitation.status).toBe(201);
    const invited = (await invitation.json()) as { invitedUser: { id: string } };
    const guestId = invited.invitedUser.id;

    const token = () => call('POST', `/internal/orgs/${ORG}/tokens`, { connectionId: teamsConnectionId, subject: { kind: 'person', personId: ada } });
    const first = await token();
    expect(first.status).toBe(200);
    const me = async (accessToken: unknown) =>
      ((await (await sandboxFetch(`${g().graphUrl}/me`, { headers: { authorization: `Bearer ${accessToken}` } })).json()) as { id: string }).id;
    expect(await me(first.body['accessToken'])).toBe(guestId);
    const refreshKey = { orgId: ORG, ownerKind: 'account' as const, ownerId: ada, purpose: `teams.refresh-token/${teamsConnectionId}` };
    const firstRefresh = (await vault.get(sql, refreshKey))?.plaintext.reveal();
    expect(firstRefresh).toEqual(expect.any(String));
    expect((await token()).body).toEqual(first.body);

    // Less than 5 minutes left: identity refreshes, and keeps the new refresh token.
    const expireSoon = () =>
      db.query(`UPDATE identity.credentials SET expires_at = now() + interval '4 minutes' WHERE owner_id = $1 AND purpose = $2`, [ada, `teams.access-token/${teamsConnectionId}`]);
    await expireSoon();
    const second = await token();
    expect(second.status).toBe(200);
    expect(second.body['accessToken']).not.toBe(first.body['accessToken']);
    expect(await me(second.body['accessToken'])).toBe(guestId);
    const secondRefresh = (await vault.get(sql, refreshKey))?.plaintext.reveal();
    expect(secondRefresh).toEqual(expect.any(String));
    expect(secondRefresh).not.toBe(firstRefresh);

    // Concurrent requests for one subject share one sign-in.
    await expireSoon();
    const together = await Promise.all(Array.from({ length: 5 }, () => token()));
    expect(new Set(together.map((t) => t.body['accessToken'])).size).toBe(1);

    await publish('parley.teams.guest.created.v1', {
      orgId: ORG,
      syncId: randomUUID(),
      personId: ada,
      guestUserId: guestId,
      userPrincipalName: `${nickname}_${g().homeTenantDomain}#EXT#@customer.onmicrosoft.com`,
      homeUserPrincipalName: upn,
      teamIds: [g().teamId],
      reused: false,
      signIn: { status: 'ok' },
    });
    await eventually(() => personView(ada), (p) => p.accounts.some((a) => a.kind === 'guest'), 'the guest account');

    sandboxes.graph.setGuestMfaPolicy(true);
    try {
      await expireSoon();
      const blocked = await token();
      const problem = expectProblem(blocked, 409, /multi-factor/);
      expect(problem).toMatchObject({ type: NEEDS_ATTENTION_PROBLEM, reason: problem['detail'] });
      expect(problem['reason']).toContain('AADSTS50076');
      const view = await personView(ada);
      expect(view.accounts.find((a) => a.kind === 'guest')).toEqual({
        platform: 'teams',
        kind: 'guest',
        status: 'needs_attention',
        platformUserId: guestId,
        userPrincipalName: expect.stringContaining('#EXT#'),
        attentionReason: problem['reason'],
      });
      const attention = (await call('GET', `/internal/orgs/${ORG}/people?status=needs_attention`)).body as unknown as PeoplePage;
      expect(attention.items.map((p) => p.email)).toEqual(['ada@example.com']);
      expect(await vault.get(sql, refreshKey)).toBeNull();
    } finally {
      sandboxes.graph.setGuestMfaPolicy(false);
    }

    // Once the policy is lifted, identity signs in again with the home credential and the guest is active.
    const healed = await token();
    expect(healed.status).toBe(200);
    expect((await personView(ada)).accounts.find((a) => a.kind === 'guest')?.status).toBe('active');
  });

  it('answers 409 needs attention for a person Parley holds no credential for, without marking them', async () => {
    const eve = (await person('eve_x@example.com')) as string;
    const problem = expectProblem(await call('POST', `/internal/orgs/${ORG}/tokens`, { connectionId: teamsConnectionId, subject: { kind: 'person', personId: eve } }), 409);
    expect(problem).toMatchObject({ type: NEEDS_ATTENTION_PROBLEM, reason: expect.stringMatching(/no delegated credential/) });
    expect((await personView(eve)).accounts[0]?.status).toBe('active');
    expectProblem(await call('POST', `/internal/orgs/${ORG}/tokens`, { connectionId: teamsConnectionId, subject: { kind: 'person', personId: randomUUID() } }), 404);
  });

  it('records guests and mirrors from the connectors’ result events, once per event', async () => {
    const dee = (await person('dee@example.com')) as string;
    const bob = (await person('bob@example.com')) as string;
    const created = toOutgoingRecord('parley.slack.mirror.created.v1', { orgId: ORG, syncId: randomUUID(), personId: bob, kind: 'scim', mirrorId: 'W_BOB', reused: false }, 'slack-connector');
    await identity.bus.publishRecords([created, created]);
    await publish('parley.teams.guest.created.v1', {
      orgId: ORG,
      syncId: randomUUID(),
      personId: dee,
      guestUserId: 'guest-dee',
      userPrincipalName: 'dee_x#EXT#@customer.onmicrosoft.com',
      homeUserPrincipalName: `dee@${g().homeTenantDomain}`,
      teamIds: [g().teamId],
      reused: true,
      signIn: { status: 'needs_attention', reason: 'A policy requires MFA for guests' },
    });
    await eventually(() => personView(bob), (p) => p.accounts.some((a) => a.kind === 'mirror'), "bob's mirror");
    await eventually(() => personView(dee), (p) => p.accounts.some((a) => a.kind === 'guest'), "dee's guest");
    // The mirror's kind is kept as slack-connector reported it: deactivating a SCIM user differs from a profile.
    expect((await personView(bob)).accounts.find((a) => a.kind === 'mirror')).toMatchObject({ platformUserId: 'W_BOB', mirrorKind: 'scim' });
    expect((await personView(dee)).accounts.find((a) => a.kind === 'guest')).toMatchObject({ status: 'needs_attention', attentionReason: 'A policy requires MFA for guests' });

    await publish('parley.teams.guest.disabled.v1', { orgId: ORG, syncId: randomUUID(), personId: dee, guestUserId: 'guest-dee' });
    await publish('parley.slack.mirror.deactivated.v1', { orgId: ORG, syncId: randomUUID(), personId: bob, kind: 'scim', mirrorId: 'W_BOB' });
    await eventually(() => personView(dee), (p) => p.accounts.find((a) => a.kind === 'guest')?.status === 'deactivated', "dee's guest disabled");
    await eventually(() => personView(bob), (p) => p.accounts.find((a) => a.kind === 'mirror')?.status === 'deactivated', "bob's mirror deactivated");
    expect(await rowsOf(`SELECT count(*)::int AS n FROM identity.platform_accounts WHERE person_id = $1 AND kind = 'mirror'`, [bob])).toEqual([{ n: 1 }]);
    // The mirror showing up in the Slack directory later is not a native account.
    await observe({ platform: 'slack', platformUserId: 'W_BOB', email: 'bob.mirror@example.com' });
    await eventually(() => rowsOf(`SELECT outcome FROM identity.directory_observations WHERE platform_user_id = 'W_BOB'`), (r) => r.length === 1, 'mirror observation');
    expect(await rowsOf(`SELECT outcome FROM identity.directory_observations WHERE platform_user_id = 'W_BOB'`)).toEqual([{ outcome: 'skipped_managed' }]);
    expect(await person('bob.mirror@example.com')).toBeUndefined();
  });

  it('answers each recorded result once with parley.identity.account.recorded.v1, after the account is in its people', async () => {
    await observe({ platform: 'slack', platformUserId: 'U_ANN_REC', email: 'ann.recorded@example.com' });
    await observe({ platform: 'teams', platformUserId: randomUUID(), email: 'cy.recorded@example.com' });
    const ann = (await eventually(() => person('ann.recorded@example.com'), Boolean, 'ann')) as string;
    const cy = (await eventually(() => person('cy.recorded@example.com'), Boolean, 'cy')) as string;
    const syncId = randomUUID();
    const answersTo = (personId: string) => recorded.filter((r) => r.payload.syncId === syncId && r.payload.personId === personId);
    const guest = toOutgoingRecord(
      'parley.teams.guest.created.v1',
      {
        orgId: ORG,
        syncId,
        personId: ann,
        guestUserId: 'guest-ann-rec',
        userPrincipalName: 'ann_x#EXT#@customer.onmicrosoft.com',
        homeUserPrincipalName: `ann.rec@${g().homeTenantDomain}`,
        teamIds: [g().teamId],
        reused: true,
        signIn: { status: 'ok' },
      },
      'teams-connector',
    );
    const mirror = toOutgoingRecord('parley.slack.mirror.created.v1', { orgId: ORG, syncId, personId: cy, kind: 'profile', mirrorId: 'P_CY_REC', reused: false }, 'slack-connector');
    const stranger = randomUUID();
    // Delivered twice (a redelivery after a crash): recorded and answered once.
    await identity.bus.publishRecords([guest, mirror, guest, mirror]);
    await publish('parley.slack.mirror.deactivated.v1', { orgId: ORG, syncId, personId: stranger, kind: 'scim', mirrorId: 'W_NOBODY' });
    await eventually(async () => recorded.filter((r) => r.payload.syncId === syncId).length, (n) => n >= 3, 'the answers');
    await identity.bus.publishRecords([guest]);
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(answersTo(ann)).toEqual([
      {
        payload: {
          orgId: ORG,
          syncId,
          personId: ann,
          action: 'create_guest',
          account: { platform: 'teams', kind: 'guest', platformUserId: 'guest-ann-rec', status: 'active' },
          answers: { topic: 'parley.teams.guest.created.v1', eventId: JSON.parse(guest.value).id },
        },
        // When provisioning hears the answer, the account is already what /v1/people shows.
        rowThen: { platform_user_id: 'guest-ann-rec', status: 'active', attention_reason: null },
      },
    ]);
    expect(answersTo(cy)).toEqual([
      {
        payload: expect.objectContaining({ action: 'create_mirror', account: { platform: 'slack', kind: 'mirror', platformUserId: 'P_CY_REC', status: 'active' } }),
        rowThen: { platform_user_id: 'P_CY_REC', status: 'active', attention_reason: null },
      },
    ]);
    // A person identity does not know: nothing recorded, and the answer says so, so the task does not wait forever.
    expect(answersTo(stranger)).toEqual([{ payload: expect.objectContaining({ action: 'deactivate_mirror', account: null }), rowThen: undefined }]);
  });

  it('marks the guest or mirror of a dead-lettered command needs_attention with the reason, until a result makes it', async () => {
    await observe({ platform: 'teams', platformUserId: 'aad-rita', email: 'rita@example.com' });
    const rita = (await eventually(() => person('rita@example.com'), (id) => id !== undefined, 'rita')) as string;
    const reason = 'the command was dead-lettered by slack-connector: Error: boom';
    const syncId = randomUUID();
    const deadLettered = toOutgoingRecord(
      'parley.provisioning.command.dead-lettered.v1',
      { orgId: ORG, syncId, personId: rita, action: 'create_mirror', reason, deadLetterId: randomUUID() },
      'provisioning',
    );
    await identity.bus.publishRecords([deadLettered, deadLettered]);
    await eventually(() => personView(rita), (p) => p.accounts.some((a) => a.kind === 'mirror'), "rita's unmade mirror");
    expect((await personView(rita)).accounts.filter((a) => a.kind === 'mirror')).toEqual([
      { platform: 'slack', kind: 'mirror', status: 'needs_attention', platformUserId: null, attentionReason: reason, consented: false },
    ]);
    const attention = (await call('GET', `/internal/orgs/${ORG}/people?status=needs_attention&limit=500`)).body as unknown as { items: PersonView[] };
    expect(attention.items.map((p) => p.id)).toContain(rita);
    // Answered once (the copy is a redelivery), after the mark, with the reason provisioning fails the task with.
    await eventually(async () => recorded.filter((r) => r.payload.syncId === syncId), (r) => r.length > 0, 'the answer');
    await identity.broker.drain();
    expect(recorded.filter((r) => r.payload.syncId === syncId)).toEqual([
      {
        payload: {
          orgId: ORG,
          syncId,
          personId: rita,
          action: 'create_mirror',
          account: { platform: 'slack', kind: 'mirror', platformUserId: null, status: 'needs_attention', attentionReason: reason },
          failedBecause: reason,
          answers: { topic: 'parley.provisioning.command.dead-lettered.v1', eventId: JSON.parse(deadLettered.value).id },
        },
        rowThen: { platform_user_id: null, status: 'needs_attention', attention_reason: reason },
      },
    ]);

    // The mirror made later (next sync, or the operator's retry) fills in the same row and clears the attention.
    await publish('parley.slack.mirror.created.v1', { orgId: ORG, syncId: randomUUID(), personId: rita, kind: 'scim', mirrorId: 'W_RITA', reused: false });
    await eventually(() => personView(rita), (p) => p.accounts.find((a) => a.kind === 'mirror')?.status === 'active', "rita's mirror made");
    expect((await personView(rita)).accounts.filter((a) => a.kind === 'mirror')).toEqual([
      { platform: 'slack', kind: 'mirror', status: 'active', platformUserId: 'W_RITA', mirrorKind: 'scim', consented: false },
    ]);

    // A deactivated guest stays deactivated: nothing is left on it for an admin to do.
    const dee = (await person('dee@example.com')) as string;
    await publish('parley.provisioning.command.dead-lettered.v1', { orgId: ORG, syncId: randomUUID(), personId: dee, action: 'disable_guest', reason, deadLetterId: randomUUID() });
    await identity.broker.drain();
    expect((await personView(dee)).accounts.find((a) => a.kind === 'guest')).toMatchObject({ status: 'deactivated', platformUserId: 'guest-dee' });
  });

  it('runs Account Sync consent through the authorize page: single-use state, refresh token kept, account consented', async () => {
    const owner = g().teamOwner;
    await observe({ platform: 'teams', platformUserId: 'oid-owner', email: owner.username, realName: 'Team Owner' });
    const ownerId = (await eventually(() => person(owner.username.toLowerCase()), (id) => id !== undefined, 'the owner person')) as string;

    expectProblem(await call('GET', `/internal/orgs/${ORG}/people/${ownerId}/consent-link`), 400, /redirectUri/);
    const ada = (await person('ada@example.com')) as string;
    expectProblem(await call('GET', `/internal/orgs/${ORG}/people/${ada}/consent-link?redirectUri=${encodeURIComponent(REDIRECT_URI)}`), 409, /no Teams account/);

    const link = await call('GET', `/internal/orgs/${ORG}/people/${ownerId}/consent-link?redirectUri=${encodeURIComponent(REDIRECT_URI)}`);
    expect(link.status).toBe(200);
    const url = new URL(link.body['url'] as string);
    expect(`${url.origin}${url.pathname}`).toBe(`${g().authorityUrl}/${g().customerTenantId}/oauth2/v2.0/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: g().clientId,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'offline_access openid User.Read Chat.ReadWrite ChatMessage.Send ChannelMessage.Send',
      state: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    const state = url.searchParams.get('state') as string;
    expect(JSON.stringify(await rowsOf('SELECT * FROM identity.consent_requests'))).not.toContain(state);

    // The person signs in and accepts on the authorize page; it redirects back with a code and the state.
    const page = await sandboxFetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form');
    const accept = await sandboxFetch(url.origin + url.pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...Object.fromEntries(url.searchParams), username: owner.username, password: owner.password, consent: 'accept' }).toString(),
      redirect: 'manual',
    });
    expect(accept.status).toBe(302);
    const callback = new URL(accept.headers.get('location') as string);
    expect(callback.searchParams.get('state')).toBe(state);
    const code = callback.searchParams.get('code') as string;

    const done = await call('POST', '/internal/consent', { code, state });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ orgId: ORG, personId: ownerId, email: owner.username.toLowerCase() });
    expect((await personView(ownerId)).accounts).toEqual([{ platform: 'teams', kind: 'native', status: 'active', platformUserId: 'oid-owner', consented: true }]);
    expectProblem(await call('POST', '/internal/consent', { code, state }), 400, /^state: .*already used/);
    expectProblem(await call('POST', '/internal/consent', { code, state: 'never-issued' }), 400, /^state: .*unknown/);
    expectProblem(await call('POST', '/internal/consent', { code }), 400, /state/);

    // The consented person's tokens: cached from the exchange, then refreshed with their refresh token.
    const token = () => call('POST', `/internal/orgs/${ORG}/tokens`, { connectionId: teamsConnectionId, subject: { kind: 'person', personId: ownerId } });
    const first = await token();
    expect(first.status).toBe(200);
    await db.query(`UPDATE identity.credentials SET expires_at = now() WHERE owner_id = $1 AND purpose = $2`, [ownerId, `teams.access-token/${teamsConnectionId}`]);
    const refreshed = await token();
    expect(refreshed.status).toBe(200);
    expect(refreshed.body['accessToken']).not.toBe(first.body['accessToken']);

    // Revoked sessions: the consent is dead; the admin is told to send a new link.
    sandboxes.graph.control.revokeSignInSessions({ user: owner.username });
    await db.query(`UPDATE identity.credentials SET expires_at = now() WHERE owner_id = $1 AND purpose = $2`, [ownerId, `teams.access-token/${teamsConnectionId}`]);
    const revoked = expectProblem(await token(), 409, /new consent link/);
    expect(revoked['type']).toBe(NEEDS_ATTENTION_PROBLEM);
    expect((await personView(ownerId)).accounts[0]).toMatchObject({ status: 'needs_attention', consented: false, attentionReason: revoked['reason'] });

    // An expired link cannot be completed.
    const late = await call('GET', `/internal/orgs/${ORG}/people/${ownerId}/consent-link?redirectUri=${encodeURIComponent(REDIRECT_URI)}`);
    const lateState = new URL(late.body['url'] as string).searchParams.get('state') as string;
    await db.query(`UPDATE identity.consent_requests SET expires_at = now() - interval '1 second' WHERE used_at IS NULL`);
    expectProblem(await call('POST', '/internal/consent', { code: 'whatever', state: lateState }), 400, /^state: .*expired/);
  });

  it('runs Slack consent for a Teams-primary person through Slack\'s authorize page: single-use state, own account only, token sealed', async () => {
    // Frances is on Teams; her SCIM mirror is a Slack user the sandbox knows (as slack-connector would have made it).
    const mirror = sandboxes.slack.control.addPerson({ name: 'frances.mirror', email: 'frances.mirror@example.com', realName: 'Frances Hopper' });
    const mirrorId = mirror['id'] as string;
    await observe({ platform: 'teams', platformUserId: 'oid-frances', email: 'frances@example.com', realName: 'Frances Hopper' });
    const frances = (await eventually(() => person('frances@example.com'), (id) => id !== undefined, 'frances')) as string;
    const linkFor = (id: string, redirect = SLACK_REDIRECT_URI) =>
      call('GET', `/internal/orgs/${ORG}/people/${id}/consent-link?platform=slack&redirectUri=${encodeURIComponent(redirect)}`);
    expectProblem(await linkFor(frances), 409, /no Slack account Parley can speak as/);
    await publish('parley.slack.mirror.created.v1', { orgId: ORG, syncId: randomUUID(), personId: frances, kind: 'scim', mirrorId, reused: false });
    await eventually(() => personView(frances), (p) => p.accounts.some((a) => a.kind === 'mirror' && a.status === 'active'), "frances's mirror");
    const slackAccount = async () => (await personView(frances)).accounts.find((a) => a.platform === 'slack');
    expect(await slackAccount()).toEqual({ platform: 'slack', kind: 'mirror', status: 'active', platformUserId: mirrorId, mirrorKind: 'scim', consented: false });

    // Never for someone on their primary platform; the platform must be one Parley knows.
    const ada = (await person('ada@example.com')) as string;
    expectProblem(await linkFor(ada), 409, /primary platform/);
    expectProblem(await call('GET', `/internal/orgs/${ORG}/people/${frances}/consent-link?platform=irc&redirectUri=${encodeURIComponent(SLACK_REDIRECT_URI)}`), 400, /platform/);
    // Until she consents, slack-connector is told the person needs attention.
    const userToken = () => call('POST', `/internal/orgs/${ORG}/slack-user-tokens`, { connectionId: slackConnectionId, personId: frances });
    const before = expectProblem(await userToken(), 409, /Slack consent/);
    expect(before['type']).toBe(NEEDS_ATTENTION_PROBLEM);
    expectProblem(await call('POST', `/internal/orgs/${ORG}/slack-user-tokens`, { connectionId: teamsConnectionId, personId: frances }), 400, /connectionId/);

    const link = await linkFor(frances);
    expect(link.status).toBe(200);
    const url = new URL(link.body['url'] as string);
    expect(`${url.origin}${url.pathname}`).toBe(`${new URL(s().apiUrl).origin}/oauth/v2/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: s().clientId,
      user_scope: 'chat:write,im:history,im:read,im:write,mpim:history,mpim:read,mpim:write,reactions:read,reactions:write,files:read,files:write,users:read',
      redirect_uri: SLACK_REDIRECT_URI,
      state: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      team: s().teamId,
    });
    const state = url.searchParams.get('state') as string;
    expect(JSON.stringify(await rowsOf(`SELECT * FROM identity.consent_requests WHERE platform = 'slack'`))).not.toContain(state);
    // A Slack state is no Teams state.
    expectProblem(await call('POST', '/internal/consent', { code: 'whatever', state }), 400, /unknown/);

    // Someone else approving with her link: nothing is stored, and the link is spent.
    const approveAs = async (consentUrl: URL, account: string) => {
      const page = await fetch(consentUrl);
      expect(page.status).toBe(200);
      const approved = await fetch(`${consentUrl.origin}${consentUrl.pathname}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...Object.fromEntries(consentUrl.searchParams), account, decision: 'approve' }).toString(),
        redirect: 'manual',
      });
      expect(approved.status).toBe(302);
      const back = new URL(approved.headers.get('location') as string);
      expect(`${back.origin}${back.pathname}`).toBe(SLACK_REDIRECT_URI);
      expect(back.searchParams.get('state')).toBe(consentUrl.searchParams.get('state'));
      return back.searchParams.get('code') as string;
    };
    const someoneElse = sandboxes.slack.inspect.users().find((u) => u['id'] !== mirrorId && !u['is_bot'] && !u['deleted'])?.['id'] as string;
    const wrongCode = await approveAs(url, someoneElse);
    const wrong = expectProblem(await call('POST', '/internal/consent/slack', { code: wrongCode, state }), 409, /another Slack account/);
    expect(wrong['type']).toBe(SLACK_CONSENT_WRONG_ACCOUNT_PROBLEM);
    expect(await rowsOf(`SELECT 1 FROM identity.credentials WHERE owner_id = $1 AND purpose LIKE 'slack.%'`, [frances])).toEqual([]);
    expect((await slackAccount())?.consented).toBe(false);
    expectProblem(await call('POST', '/internal/consent/slack', { code: wrongCode, state }), 400, /^state: .*already used/);

    // Frances herself.
    const fresh = new URL((await linkFor(frances)).body['url'] as string);
    const freshState = fresh.searchParams.get('state') as string;
    const code = await approveAs(fresh, mirrorId);
    const done = await call('POST', '/internal/consent/slack', { code, state: freshState });
    expect(done).toMatchObject({ status: 200, body: { orgId: ORG, personId: frances, email: 'frances@example.com' } });
    expect(await slackAccount()).toEqual({ platform: 'slack', kind: 'mirror', status: 'active', platformUserId: mirrorId, mirrorKind: 'scim', consented: true });
    expectProblem(await call('POST', '/internal/consent/slack', { code, state: freshState }), 400, /^state: .*already used/);
    expectProblem(await call('POST', '/internal/consent/slack', { code, state: 'never-issued' }), 400, /^state: .*unknown/);

    // The token slack-connector gets is hers, on the sandbox's own auth.test, and sealed in the vault.
    const issued = await userToken();
    expect(issued.status).toBe(200);
    expect(issued.body).toEqual({ accessToken: expect.stringMatching(/^xoxp-/), slackUserId: mirrorId, personId: frances });
    // slack-connector's ingress asks by the Slack account an event came through; an account of nobody's is 404.
    const byAccount = await call('POST', `/internal/orgs/${ORG}/slack-user-tokens`, { connectionId: slackConnectionId, slackUserId: mirrorId });
    expect(byAccount).toMatchObject({ status: 200, body: { accessToken: issued.body['accessToken'], slackUserId: mirrorId, personId: frances } });
    expectProblem(await call('POST', `/internal/orgs/${ORG}/slack-user-tokens`, { connectionId: slackConnectionId, slackUserId: 'U0NOBODY' }), 404);
    expectProblem(await call('POST', `/internal/orgs/${ORG}/slack-user-tokens`, { connectionId: slackConnectionId, personId: frances, slackUserId: mirrorId }), 400, /personId/);
    // The Events API ingress learns a workspace's connection (its view: no secret).
    const workspace = await call('GET', `/internal/slack-workspaces/${s().teamId}/connection`);
    expect(workspace).toMatchObject({ status: 200, body: { id: slackConnectionId, orgId: ORG, platform: 'slack', settings: { teamId: s().teamId } } });
    expect(JSON.stringify(workspace.body)).not.toContain('xoxb-');
    expectProblem(await call('GET', `/internal/slack-workspaces/T0NOTOURS/connection`), 404);
    const me = (await (await fetch(`${s().apiUrl}auth.test`, { method: 'POST', headers: { authorization: `Bearer ${issued.body['accessToken']}` } })).json()) as Record<string, unknown>;
    expect(me).toMatchObject({ ok: true, user_id: mirrorId, team_id: s().teamId });
    expect(sandboxes.slack.inspect.installations().filter((i) => i.userId === mirrorId)).toEqual([
      expect.objectContaining({ userId: mirrorId, revoked: false, scopes: expect.arrayContaining(['chat:write', 'reactions:read', 'mpim:history']) }),
    ]);
    expect(await rowsOf(`SELECT purpose FROM identity.credentials WHERE owner_id = $1 AND purpose LIKE 'slack.%'`, [frances])).toEqual([
      { purpose: `slack.user-token/${slackConnectionId}` },
    ]);
    expectProblem(await call('POST', `/internal/orgs/${OTHER_ORG}/slack-user-tokens`, { connectionId: slackConnectionId, personId: frances }), 404);

    // An expired link cannot be completed.
    const late = new URL((await linkFor(frances)).body['url'] as string).searchParams.get('state') as string;
    await db.query(`UPDATE identity.consent_requests SET expires_at = now() - interval '1 second' WHERE used_at IS NULL`);
    expectProblem(await call('POST', '/internal/consent/slack', { code: 'whatever', state: late }), 400, /^state: .*expired/);
  });

  it('keeps every secret, password and token out of every table and every log line in plaintext', async () => {
    const credentials = await rowsOf('SELECT org_id, owner_kind, owner_id, purpose, sealed FROM identity.credentials');
    expect(credentials.length).toBeGreaterThan(8);
    const tables = ['connections', 'credentials', 'people', 'platform_accounts', 'consent_requests', 'directory_observations', 'directory_imports', 'outbox'];
    const everything: unknown[] = [];
    for (const table of tables) everything.push(await rowsOf(`SELECT * FROM identity.${table}`));
    const dump = JSON.stringify(everything);
    const logs = logLines.join('');
    expect(logs).toContain('sign-in needs an admin');
    for (const row of credentials) {
      expect(row['sealed']).toMatch(/^v1\.k1\./);
      const opened = await vault.get(sql, { orgId: row['org_id'] as string, ownerKind: row['owner_kind'] as 'connection' | 'account', ownerId: row['owner_id'] as string, purpose: row['purpose'] as string });
      const plaintext = opened?.plaintext.reveal() ?? '';
      expect(plaintext.length).toBeGreaterThan(8);
      expect({ purpose: row['purpose'], inTables: dump.includes(plaintext), inLogs: logs.includes(plaintext) }).toEqual({ purpose: row['purpose'], inTables: false, inLogs: false });
    }
  });
});

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { loadConfig } from '@parley/config';
import type { Payload, TopicName } from '@parley/contracts';
import { internalRoutes, matchRoute, routePath, type ConnectionWithSecrets, type SlackSettings, type VerifyConnectionResult } from '@parley/internal-api';
import { InProcessBroker, InProcessBus } from '@parley/messaging';
import { demoOrganization, generatedOrganization } from '@parley/sandbox-seed';
import { startSlackSandbox, type SlackSandbox, type SlackSeedCredentials } from '@parley/sandbox-slack';
import { createFreshDatabase, integrationEnv, queryRows, type FreshDatabase } from '@parley/testing';
import { startServiceInProcess, type InProcessService } from '@parley/testing-in-process';
import { slackConnectorConfigSection } from './config';
import { SlackClients } from './connections/slack-clients';
import { slackConnectorService } from './index';

const TIME_SCALE = 0.01;
const INTERNAL_TOKEN = 'internal-token-for-tests-0123456789abcdef';
const ORG = 'org_SlackDemo0001';
const DOMAIN = 'parley-demo.example';

/**
 * Stands in for identity's connection routes, behind the internal bearer: the view (settings, no secret) and the
 * secrets route, counting the reads of each (the connector reads secrets only for a command that calls Slack).
 */
async function startIdentityStub() {
  const connections = new Map<string, ConnectionWithSecrets>();
  const reads = { view: 0, secrets: 0 };
  const server = http.createServer((request, response) => {
    const send = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': status === 200 ? 'application/json' : 'application/problem+json' }).end(JSON.stringify(body));
    if (request.headers.authorization !== `Bearer ${INTERNAL_TOKEN}`) return send(401, { title: 'Unauthorized', status: 401, detail: 'wrong internal token' });
    const path = new URL(request.url ?? '/', 'http://identity').pathname;
    const view = matchRoute(internalRoutes.identity.connection, request.method, path);
    const secrets = matchRoute(internalRoutes.identity.connectionSecrets, request.method, path);
    const params = view ?? secrets;
    const found = params ? connections.get(`${params.orgId}:${params.connectionId}`) : undefined;
    if (!found) return send(404, { title: 'Not Found', status: 404, detail: 'no such connection' });
    reads[secrets ? 'secrets' : 'view'] += 1;
    if (secrets) return send(200, found);
    send(200, { id: found.id, orgId: found.orgId, platform: found.platform, settings: found.settings, createdAt: '2026-12-01T00:00:00.000Z' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    reads,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    add(settings: SlackSettings, secrets: ConnectionWithSecrets['secrets'], orgId = ORG): string {
      const id = randomUUID();
      connections.set(`${orgId}:${id}`, { id, orgId, platform: 'slack', settings, secrets } as ConnectionWithSecrets);
      return id;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const OBSERVED_TOPICS = [
  'parley.directory.user.observed.v1',
  'parley.directory.import.completed.v1',
  'parley.directory.import.failed.v1',
  'parley.slack.mirror.created.v1',
  'parley.slack.mirror.failed.v1',
  'parley.slack.mirror.deactivated.v1',
] as const satisfies readonly TopicName[];
type ObservedTopic = (typeof OBSERVED_TOPICS)[number];

// slack-connector in-process on real PostgreSQL (the in-process bus and cache stand in for Kafka and Redis), against
// the Slack sandbox with its limits on, time-compressed a hundredfold, and a stub of identity's secrets route.
describe('slack-connector', () => {
  let database: FreshDatabase;
  let sandbox: SlackSandbox;
  let identity: Awaited<ReturnType<typeof startIdentityStub>>;
  let broker: InProcessBroker;
  let observer: InProcessBus;
  let service: InProcessService;
  let business: SlackSeedCredentials;
  let pro: SlackSeedCredentials;
  let businessSettings: SlackSettings;
  let proSettings: SlackSettings;
  let businessConnection: string;
  let proConnection: string;
  const received: { [T in ObservedTopic]: Payload<T>[] } = Object.fromEntries(OBSERVED_TOPICS.map((t) => [t, []])) as never;

  const post = (body: unknown, token = INTERNAL_TOKEN) =>
    fetch(`${service.url}${routePath(internalRoutes['slack-connector'].verifyConnection, {})}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const verify = async (body: Record<string, unknown>): Promise<VerifyConnectionResult> => {
    const response = await post({ platform: 'slack', signingSecret: 'signing-secret-1234', apiUrl: sandbox.apiUrl, scimUrl: `${sandbox.url}/scim/v2`, ...body });
    expect(response.status).toBe(200);
    return (await response.json()) as VerifyConnectionResult;
  };
  const secretsOf = (creds: SlackSeedCredentials, scim = true) => ({
    botToken: creds.botToken,
    signingSecret: creds.signingSecret,
    ...(scim ? { scimToken: creds.scimToken } : {}),
  });

  async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Waits until no message is in flight and the outbox is empty, twice in a row. */
  async function settle(): Promise<void> {
    let quiet = 0;
    while (quiet < 2) {
      await broker.drain();
      const [{ n }] = await queryRows<{ n: number }>(database.url, 'SELECT count(*)::int AS n FROM slack_connector.outbox');
      quiet = n === 0 ? quiet + 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  }

  const publish = <T extends 'parley.slack.directory.import.requested.v1' | 'parley.slack.mirror.create.requested.v1' | 'parley.slack.mirror.deactivate.requested.v1'>(
    topic: T,
    payload: Payload<T>,
  ) => observer.publish(topic, payload as never);

  const importAndWait = async (connectionId: string, orgId = ORG) => {
    const syncId = randomUUID();
    await publish('parley.slack.directory.import.requested.v1', { orgId, syncId, connectionId, incremental: false });
    const completed = await waitFor('import completed', () => received['parley.directory.import.completed.v1'].find((c) => c.syncId === syncId), 60_000);
    await waitFor('every observation', () => received['parley.directory.user.observed.v1'].filter((o) => o.syncId === syncId).length >= completed.observed);
    await settle();
    return { syncId, completed, observations: received['parley.directory.user.observed.v1'].filter((o) => o.syncId === syncId) };
  };

  const mirrorResult = async (connectionId: string, person: { personId: string; email: string; displayName: string; avatarUrl?: string }) => {
    const syncId = randomUUID();
    await publish('parley.slack.mirror.create.requested.v1', { orgId: ORG, syncId, connectionId, ...person });
    return waitFor('mirror result', () => {
      const created = received['parley.slack.mirror.created.v1'].find((c) => c.syncId === syncId);
      const failed = received['parley.slack.mirror.failed.v1'].find((c) => c.syncId === syncId);
      return created ? { created } : failed ? { failed } : undefined;
    });
  };
  const createMirror = async (connectionId: string, person: Parameters<typeof mirrorResult>[1]) => {
    const { created, failed } = await mirrorResult(connectionId, person);
    if (!created) throw new Error(`the mirror was refused: ${failed?.reason}`);
    return created;
  };

  const slackUsersWithEmail = (teamId: string, email: string) => [...sandbox.state.users.values()].filter((u) => u.teamId === teamId && u.email.toLowerCase() === email);
  const sandbox429s = (pathPrefix: string) => sandbox.inspect.requests().filter((r) => r.path.startsWith(pathPrefix) && r.status === 429).length;

  beforeAll(async () => {
    database = await createFreshDatabase(integrationEnv().databaseUrl, 'parley_sc');
    sandbox = await startSlackSandbox({ limits: { enabled: true, timeScale: TIME_SCALE } });
    business = sandbox.seed(demoOrganization(DOMAIN), { plan: 'business+' });
    pro = sandbox.seed(demoOrganization(DOMAIN), { plan: 'pro' });
    identity = await startIdentityStub();

    broker = new InProcessBroker(4);
    const logger = pino({ level: 'silent' });
    observer = new InProcessBus(broker, { service: 'provisioning', logger });
    for (const topic of OBSERVED_TOPICS) {
      observer.subscribe(topic, async (payload) => void (received[topic] as unknown[]).push(payload), { group: 'test-observer' });
    }
    await observer.start();

    const config = loadConfig(
      { slackConnector: slackConnectorConfigSection },
      { PARLEY_SLACK_LIMIT_TIME_SCALE: String(TIME_SCALE), PARLEY_SLACK_IMPORT_CHUNK_SIZE: '10' },
    );
    service = await startServiceInProcess(slackConnectorService, {
      databaseUrl: database.url,
      broker,
      logger,
      internalToken: INTERNAL_TOKEN,
      peers: { identity: identity.url },
      config,
    });
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    await observer?.stop();
    await identity?.stop();
    await sandbox?.stop();
    await database?.drop();
  });

  describe('POST /internal/connections/verify', () => {
    it('needs the internal token', async () => {
      expect((await post({ platform: 'slack' }, '')).status).toBe(401);
      expect((await post({ platform: 'slack' }, 'x'.repeat(40))).status).toBe(401);
    });

    it('accepts a Business+ workspace with SCIM and answers its settings, never a secret', async () => {
      const response = await post({ platform: 'slack', ...secretsOf(business), apiUrl: sandbox.apiUrl.replace(/\/$/, ''), scimUrl: `${sandbox.url}/scim/v2/` });
      expect(response.status).toBe(200);
      const text = await response.text();
      for (const secret of Object.values(secretsOf(business))) expect(text).not.toContain(secret);
      const result = JSON.parse(text) as VerifyConnectionResult;
      expect(result).toEqual({
        ok: true,
        settings: {
          platform: 'slack',
          teamId: business.teamId,
          teamName: business.teamName,
          botUserId: business.botUserId,
          apiUrl: sandbox.apiUrl,
          scimUrl: `${sandbox.url}/scim/v2`,
          scim: true,
          scopes: expect.arrayContaining(['users:read', 'users:read.email', 'chat:write', 'chat:write.customize']),
        },
      });
      if (result.ok && result.settings.platform === 'slack') {
        businessSettings = result.settings;
        businessConnection = identity.add(businessSettings, secretsOf(business));
      }
    });

    it('without a SCIM token, answers scim: false (mirrors will be profiles)', async () => {
      const result = await verify(secretsOf(pro, false));
      expect(result).toMatchObject({ ok: true, settings: { teamId: pro.teamId, scim: false } });
      if (result.ok && result.settings.platform === 'slack') {
        proSettings = result.settings;
        proConnection = identity.add(proSettings, secretsOf(pro, false));
      }
    });

    it('names botToken when Slack refuses the token', async () => {
      const result = await verify({ botToken: 'xoxb-000000000000-0000000000000-nottherighttokenatall' });
      expect(result).toEqual({ ok: false, problems: [{ field: 'botToken', reason: expect.stringContaining('invalid_auth') }] });
    });

    it('names the scopes the bot token lacks', async () => {
      const narrow = sandbox.control.issueToken({ kind: 'bot', scopes: ['users:read', 'chat:write'], appId: business.appId });
      const result = await verify({ botToken: narrow });
      expect(result).toMatchObject({ ok: false, problems: [{ field: 'botToken' }] });
      const reason = result.ok ? '' : (result.problems[0]?.reason ?? '');
      expect(reason).toContain('users:read.email');
      expect(reason).toContain('chat:write.customize');
      expect(reason).not.toMatch(/users:read[,:]\s/);
    });

    it('names scimToken when the plan has no SCIM, and says what happens without it', async () => {
      const result = await verify(secretsOf(pro));
      expect(result).toEqual({ ok: false, problems: [{ field: 'scimToken', reason: expect.stringMatching(/plan/) }] });
      expect(result.ok ? '' : result.problems[0]?.reason).toMatch(/profile mirrors/);
    });

    it("names scimToken when it is another workspace's", async () => {
      const result = await verify({ botToken: pro.botToken, scimToken: business.scimToken });
      expect(result).toEqual({ ok: false, problems: [{ field: 'scimToken', reason: expect.stringContaining('another workspace') }] });
    });

    it("checks the app's client id and secret (people's Slack consent needs them): kept in settings, each named when wrong", async () => {
      const client = { clientId: business.clientId, clientSecret: business.clientSecret };
      const response = await post({ platform: 'slack', apiUrl: sandbox.apiUrl, scimUrl: `${sandbox.url}/scim/v2`, ...secretsOf(business), ...client });
      const text = await response.text();
      expect(text).not.toContain(business.clientSecret);
      expect(JSON.parse(text)).toMatchObject({ ok: true, settings: { teamId: business.teamId, clientId: business.clientId } });
      expect(await verify({ ...secretsOf(business), clientId: business.clientId, clientSecret: 'not-the-secret-at-all' })).toEqual({
        ok: false,
        problems: [{ field: 'clientSecret', reason: expect.stringContaining('refused the client secret') }],
      });
      expect(await verify({ ...secretsOf(business), clientId: '1111111111.2222222222', clientSecret: business.clientSecret })).toEqual({
        ok: false,
        problems: [{ field: 'clientId', reason: expect.stringContaining('no app with this client id') }],
      });
      expect(await verify({ ...secretsOf(business), clientId: business.clientId })).toEqual({
        ok: false,
        problems: [{ field: 'clientSecret', reason: expect.stringContaining('both, or neither') }],
      });
    });

    it('names apiUrl when nothing answers there', async () => {
      const result = await verify({ botToken: business.botToken, apiUrl: 'http://127.0.0.1:9/api/' });
      expect(result).toEqual({ ok: false, problems: [{ field: 'apiUrl', reason: expect.stringContaining('could not reach') }] });
    });

    it('answers 400 naming the bad fields, without echoing what was sent', async () => {
      const response = await post({ platform: 'slack', botToken: 'not-a-bot-token-s3cr3t', signingSecret: 'x', extra: 1 });
      expect(response.status).toBe(400);
      const text = await response.text();
      expect(text).not.toContain('s3cr3t');
      const body = JSON.parse(text) as { errors: { field: string }[] };
      expect(body.errors.map((e) => e.field).sort()).toEqual(['botToken', 'extra', 'signingSecret']);
    });
  });

  describe('directory import', () => {
    it('publishes every member of the demo workspace, bots and the deactivated flagged, then the count', async () => {
      const { completed, observations, syncId } = await importAndWait(businessConnection);
      // 25 engineers, 3 on both platforms, 1 deactivated engineer, the deploy bot and Parley's own bot user.
      expect(completed).toEqual({ orgId: ORG, syncId, connectionId: businessConnection, platform: 'slack', observed: 31, incremental: false });
      expect(observations).toHaveLength(31);
      expect(new Set(observations.map((o) => o.platformUserId)).size).toBe(31);
      const byEmail = new Map(observations.map((o) => [o.email, o]));
      expect(byEmail.get(`eng01@${DOMAIN}`)).toMatchObject({
        platform: 'slack',
        isBot: false,
        isDeactivated: false,
        displayName: 'Ada',
        realName: 'Ada Lovelace',
        avatarUrl: expect.stringMatching(/_192\.png$/),
      });
      expect(byEmail.get(`eng-gone@${DOMAIN}`)).toMatchObject({ isDeactivated: true, isBot: false });
      const bots = observations.filter((o) => o.isBot);
      expect(bots.map((o) => o.platformUserId).sort()).toEqual(
        [...sandbox.state.users.values()].filter((u) => u.teamId === business.teamId && u.isBot).map((u) => u.id).sort(),
      );
      expect(bots.map((o) => [o.displayName, o.realName]).sort()).toEqual([
        ['Parley', 'Parley'],
        ['deploybot', 'Deploy Bot'],
      ]);
      expect(bots.every((o) => o.email.endsWith('.bots.slack.invalid'))).toBe(true);
      expect(observations.filter((o) => !o.isBot && !o.isDeactivated)).toHaveLength(28);
      expect(observations.some((o) => o.email.startsWith('sales'))).toBe(false);

      const [row] = await queryRows<{ observed: number; completed: boolean; left: number }>(
        database.url,
        `SELECT observed, completed_at IS NOT NULL AS completed,
                (SELECT count(*)::int FROM slack_connector.directory_import_users u WHERE u.sync_id = i.sync_id) AS left
           FROM slack_connector.directory_imports i WHERE sync_id = $1`,
        [syncId],
      );
      expect(row).toEqual({ observed: 31, completed: true, left: 0 });
    });

    it('does the import of a sync once, however often it is requested', async () => {
      const { syncId } = await importAndWait(businessConnection);
      const observedBefore = received['parley.directory.user.observed.v1'].length;
      await publish('parley.slack.directory.import.requested.v1', { orgId: ORG, syncId, connectionId: businessConnection, incremental: false });
      await settle();
      expect(received['parley.directory.user.observed.v1'].length).toBe(observedBefore);
      expect(received['parley.directory.import.completed.v1'].filter((c) => c.syncId === syncId)).toHaveLength(1);
    });

    it('resumes an import that stopped after some chunks: nobody twice, nobody lost, the full count', async () => {
      // As left by a crash after the first chunk committed: the import is open and three members were published.
      const syncId = randomUUID();
      const published = [...sandbox.state.users.values()].filter((u) => u.teamId === business.teamId && !u.isBot).slice(0, 3).map((u) => u.id);
      await queryRows(database.url, 'INSERT INTO slack_connector.directory_imports (sync_id, connection_id, org_id, team_id) VALUES ($1, $2, $3, $4)', [
        syncId,
        businessConnection,
        ORG,
        business.teamId,
      ]);
      await queryRows(database.url, 'INSERT INTO slack_connector.directory_import_users (sync_id, connection_id, slack_user_id) SELECT $1, $2, unnest($3::text[])', [
        syncId,
        businessConnection,
        published,
      ]);
      await publish('parley.slack.directory.import.requested.v1', { orgId: ORG, syncId, connectionId: businessConnection, incremental: false });
      const completed = await waitFor('import completed', () => received['parley.directory.import.completed.v1'].find((c) => c.syncId === syncId));
      await settle();
      const observations = received['parley.directory.user.observed.v1'].filter((o) => o.syncId === syncId);
      expect(completed.observed).toBe(31);
      expect(observations).toHaveLength(28);
      expect(observations.some((o) => published.includes(o.platformUserId))).toBe(false);
    });

    it('reports an admin-fixable refusal as import failed', async () => {
      const noUsersRead = sandbox.control.issueToken({ kind: 'bot', scopes: ['chat:write'], appId: business.appId });
      const connectionId = identity.add(businessSettings, { ...secretsOf(business), botToken: noUsersRead });
      const syncId = randomUUID();
      await publish('parley.slack.directory.import.requested.v1', { orgId: ORG, syncId, connectionId, incremental: false });
      const failed = await waitFor('import failed', () => received['parley.directory.import.failed.v1'].find((f) => f.syncId === syncId));
      expect(failed).toMatchObject({ platform: 'slack', connectionId, reason: expect.stringContaining('users:read') });
      expect(failed.reason).not.toContain(noUsersRead);

      const gone = randomUUID();
      await publish('parley.slack.directory.import.requested.v1', { orgId: ORG, syncId: gone, connectionId: randomUUID(), incremental: false });
      const missing = await waitFor('import failed', () => received['parley.directory.import.failed.v1'].find((f) => f.syncId === gone));
      expect(missing.reason).toContain('no longer exists');
    });

    it('retries a transient Slack failure until it goes through', async () => {
      sandbox.setFaults({ errorRate: 1 });
      const syncId = randomUUID();
      const before = sandbox.inspect.requests().filter((r) => r.status === 503).length;
      await publish('parley.slack.directory.import.requested.v1', { orgId: ORG, syncId, connectionId: businessConnection, incremental: false });
      await waitFor('two failed attempts', () => sandbox.inspect.requests().filter((r) => r.status === 503).length >= before + 2);
      sandbox.setFaults({});
      const completed = await waitFor('import completed', () => received['parley.directory.import.completed.v1'].find((c) => c.syncId === syncId));
      expect(completed.observed).toBe(31);
      expect(broker.deadLettered()).toHaveLength(0);
    });

    it('honours 429 Retry-After from Slack and still reads everything', async () => {
      const pacer = service.app.get(SlackClients).pacer;
      const rateLimitedBefore = pacer.rateLimited;
      sandbox.setFaults({ rateLimitBurst: 3 });
      const { completed } = await importAndWait(businessConnection);
      expect(completed.observed).toBe(31);
      expect(pacer.rateLimited - rateLimitedBefore).toBe(3);
    });

    it('paces a large workspace under Slack limits: no 429 storm', async () => {
      const large = sandbox.seed(generatedOrganization(6000, 7, 'parley-load.example'), { plan: 'business+' });
      const verified = await verify(secretsOf(large));
      if (!verified.ok || verified.settings.platform !== 'slack') throw new Error('the large workspace did not verify');
      const members = [...sandbox.state.users.values()].filter((u) => u.teamId === large.teamId).length;
      const pages = Math.ceil(members / 200);
      // Three orgs connected to the same workspace import at once: their users.list pages share one Tier 2 bucket,
      // and together they are far more than its burst of 20.
      const orgs = ['org_LoadTestOrg0001', 'org_LoadTestOrg0002', 'org_LoadTestOrg0003'];
      const connections = orgs.map((orgId) => ({ orgId, connectionId: identity.add(verified.settings as SlackSettings, secretsOf(large), orgId) }));
      expect(pages * orgs.length).toBeGreaterThan(40);
      const limitedBefore = sandbox429s('/api/users.list');
      const started = Date.now();
      const imports = await Promise.all(connections.map(({ orgId, connectionId }) => importAndWait(connectionId, orgId)));
      const elapsed = Date.now() - started;
      for (const { completed } of imports) expect(completed.observed).toBe(members);
      expect(sandbox429s('/api/users.list') - limitedBefore).toBe(0);
      // The pages beyond the burst came at Tier 2's scaled pace (20 per minute x 0.01 = one every 30 ms).
      expect(elapsed).toBeGreaterThanOrEqual(((pages * orgs.length - 20) * 60_000 * TIME_SCALE) / 20 - 50);
    }, 120_000);
  });

  describe('mirrors on a SCIM workspace', () => {
    const sales = (n: number) => ({ personId: randomUUID(), email: `sales${String(n).padStart(2, '0')}@${DOMAIN}`, displayName: `Sales Person ${n}` });

    it('creates a Slack guest through SCIM, and a replay creates nothing new', async () => {
      const person = sales(1);
      const created = await createMirror(businessConnection, person);
      expect(created).toMatchObject({ orgId: ORG, personId: person.personId, kind: 'scim', reused: false });
      const [user, ...others] = slackUsersWithEmail(business.teamId, person.email);
      expect(others).toHaveLength(0);
      expect(user).toMatchObject({ id: created.mirrorId, scimUserName: 'sales01', realName: 'Sales Person 1', deleted: false, isBot: false });

      const replay = await createMirror(businessConnection, person);
      expect(replay).toMatchObject({ kind: 'scim', mirrorId: created.mirrorId, reused: true });
      expect(slackUsersWithEmail(business.teamId, person.email)).toHaveLength(1);

      // Its own import does not see the mirror as a Slack person.
      const { observations, completed } = await importAndWait(businessConnection);
      expect(completed.observed).toBe(31);
      expect(observations.some((o) => o.platformUserId === created.mirrorId || o.email === person.email)).toBe(false);
    });

    it("reads the connection's tokens from identity for each command that calls Slack, and keeps none in between", async () => {
      const before = identity.reads.secrets;
      await createMirror(businessConnection, sales(9));
      await createMirror(businessConnection, sales(10));
      // A cache of 30 s (PARLEY_SLACK_CONNECTION_CACHE_MS, which now keeps settings only) would have read them once.
      expect(identity.reads.secrets - before).toBeGreaterThanOrEqual(2);
    });

    it('reuses an account that already has the email (a guest invited earlier)', async () => {
      const person = sales(2);
      const existing = sandbox.control.addPerson({ name: 'sales02-guest', email: person.email, guest: 'multi', teamId: business.teamId });
      const created = await createMirror(businessConnection, person);
      expect(created).toMatchObject({ kind: 'scim', mirrorId: existing['id'], reused: true });
      expect(slackUsersWithEmail(business.teamId, person.email)).toHaveLength(1);
    });

    it('uses a variant user name when the plain one belongs to someone else', async () => {
      const person = sales(3);
      // Someone else already holds the handle sales03 (made through SCIM by another tool).
      const taken = await fetch(`${sandbox.url}/scim/v2/Users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${business.scimToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ userName: 'sales03', emails: [{ value: `someone.else@${DOMAIN}`, primary: true }] }),
      });
      expect(taken.status).toBe(201);
      const created = await createMirror(businessConnection, person);
      expect(created).toMatchObject({ kind: 'scim', reused: false });
      expect(sandbox.state.users.get(created.mirrorId)).toMatchObject({ email: person.email, scimUserName: `sales03-${person.personId.slice(0, 6)}` });
    });

    it('deactivates through SCIM, and reactivates the same account when asked to create it again', async () => {
      const person = sales(4);
      const created = await createMirror(businessConnection, person);
      const syncId = randomUUID();
      await publish('parley.slack.mirror.deactivate.requested.v1', { orgId: ORG, syncId, personId: person.personId, connectionId: businessConnection, kind: 'scim', mirrorId: created.mirrorId });
      const deactivated = await waitFor('deactivated', () => received['parley.slack.mirror.deactivated.v1'].find((d) => d.syncId === syncId));
      expect(deactivated).toMatchObject({ kind: 'scim', mirrorId: created.mirrorId, personId: person.personId });
      expect(sandbox.state.users.get(created.mirrorId)?.deleted).toBe(true);
      const [row] = await queryRows<{ active: boolean }>(database.url, 'SELECT active FROM slack_connector.scim_mirrors WHERE slack_user_id = $1', [created.mirrorId]);
      expect(row?.active).toBe(false);

      const again = await createMirror(businessConnection, person);
      expect(again).toMatchObject({ mirrorId: created.mirrorId, reused: true });
      expect(sandbox.state.users.get(created.mirrorId)?.deleted).toBe(false);
      expect(slackUsersWithEmail(business.teamId, person.email)).toHaveLength(1);
    });

    it('does not reuse a recorded account that Slack now gives to someone else: it finds or makes the person their own', async () => {
      const person = sales(7);
      const first = await createMirror(businessConnection, person);
      // Slack lost the account and the id now names another person (as after a workspace or sandbox reset).
      const repurposed = await fetch(`${sandbox.url}/scim/v2/Users/${first.mirrorId}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${business.scimToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ userName: 'not.sales07', emails: [{ value: `not.sales07@${DOMAIN}`, primary: true }] }),
      });
      expect(repurposed.status).toBe(200);

      const again = await createMirror(businessConnection, person);
      expect(again).toMatchObject({ kind: 'scim', reused: false });
      expect(again.mirrorId).not.toBe(first.mirrorId);
      expect(slackUsersWithEmail(business.teamId, person.email).map((u) => u.id)).toEqual([again.mirrorId]);
      expect(sandbox.state.users.get(first.mirrorId)?.email).toBe(`not.sales07@${DOMAIN}`);
    });

    it('refuses, without retrying into a dead letter, an account already recorded as the mirror of another person', async () => {
      const person = sales(8);
      const first = await createMirror(businessConnection, person);
      // The same email under another person id (identity made the person again): Slack's account is recorded for the first.
      const twin = { ...person, personId: randomUUID() };
      const { failed, created } = await mirrorResult(businessConnection, twin);
      expect(created).toBeUndefined();
      expect(failed).toMatchObject({ operation: 'create', retryable: false, personId: twin.personId, reason: expect.stringContaining('already the mirror of another Parley person') });
      const rows = await queryRows<{ person_id: string }>(database.url, 'SELECT person_id FROM slack_connector.scim_mirrors WHERE slack_user_id = $1', [first.mirrorId]);
      expect(rows.map((r) => r.person_id)).toEqual([person.personId]);
    });

    it('reports a revoked SCIM token as a failure an admin must fix', async () => {
      const token = sandbox.control.issueToken({ kind: 'user', scopes: ['admin'], as: business.adminUserId });
      sandbox.control.revokeToken(token);
      const connectionId = identity.add(businessSettings, { ...secretsOf(business), scimToken: token });
      const person = sales(5);
      const { failed } = await mirrorResult(connectionId, person);
      expect(failed).toMatchObject({ operation: 'create', retryable: false, personId: person.personId, reason: expect.stringContaining('SCIM token') });
      expect(failed?.reason).not.toContain(token);
      expect(slackUsersWithEmail(business.teamId, person.email)).toHaveLength(0);
    });
  });

  describe('mirrors without SCIM', () => {
    it('keeps a profile mirror with a stable id, deactivates it, and makes nothing in Slack', async () => {
      const person = { personId: randomUUID(), email: `sales06@${DOMAIN}`, displayName: 'Sales Six', avatarUrl: 'https://teams.example/photos/sales06.png' };
      const usersBefore = sandbox.state.users.size;
      const secretReadsBefore = identity.reads.secrets;
      const created = await createMirror(proConnection, person);
      expect(created).toMatchObject({ kind: 'profile', reused: false, personId: person.personId });
      expect(created.mirrorId).toMatch(/^[0-9a-f-]{36}$/);
      const replay = await createMirror(proConnection, person);
      expect(replay).toMatchObject({ kind: 'profile', mirrorId: created.mirrorId, reused: true });
      expect(sandbox.state.users.size).toBe(usersBefore);
      const [row] = await queryRows<Record<string, unknown>>(database.url, 'SELECT display_name, avatar_url, active, org_id FROM slack_connector.profile_mirrors WHERE id = $1', [created.mirrorId]);
      expect(row).toEqual({ display_name: 'Sales Six', avatar_url: person.avatarUrl, active: true, org_id: ORG });

      const syncId = randomUUID();
      await publish('parley.slack.mirror.deactivate.requested.v1', { orgId: ORG, syncId, personId: person.personId, connectionId: proConnection, kind: 'profile', mirrorId: created.mirrorId });
      await waitFor('deactivated', () => received['parley.slack.mirror.deactivated.v1'].find((d) => d.syncId === syncId));
      const [after] = await queryRows<{ active: boolean }>(database.url, 'SELECT active FROM slack_connector.profile_mirrors WHERE id = $1', [created.mirrorId]);
      expect(after?.active).toBe(false);
      // A profile mirror is a row of ours: making and deactivating it read the connection's settings, never its tokens.
      expect(identity.reads.secrets).toBe(secretReadsBefore);
    });
  });
});

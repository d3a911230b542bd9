import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { WebClient } from '@slack/web-api';
import { loadConfig } from '@parley/config';
import type { Payload, PayloadIn } from '@parley/contracts';
import { NEEDS_ATTENTION_PROBLEM, type ConnectionWithSecrets, type SlackSettings } from '@parley/internal-api';
import { InProcessBroker, InProcessBus } from '@parley/messaging';
import { demoOrganization } from '@parley/sandbox-seed';
import { signSlackRequest, startSlackSandbox, type SlackSandbox, type SlackSeedCredentials } from '@parley/sandbox-slack';
import { createFreshDatabase, integrationEnv, queryRows, type FreshDatabase } from '@parley/testing';
import { startServiceInProcess, type InProcessService } from '@parley/testing-in-process';
import { slackConnectorConfigSection } from './config';
import { slackConnectorService } from './index';

const TIME_SCALE = 0.01;
const INTERNAL_TOKEN = 'internal-token-for-tests-0123456789abcdef';
const ORG = 'org_SlackRelay0001';
const USER_SCOPES = ['chat:write', 'im:history', 'im:read', 'im:write', 'mpim:history', 'mpim:read', 'mpim:write', 'reactions:read', 'reactions:write', 'files:read', 'files:write', 'users:read'];
/** A 1x1 PNG. */
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201ffa2a5b90000000049454e44ae426082', 'hex');

/**
 * identity's routes slack-connector's relay side reads, behind the internal bearer: a connection's view and secrets,
 * the connection of a workspace, and people's Slack user tokens (409 needs-attention without consent).
 */
async function startIdentityStub() {
  const connections = new Map<string, ConnectionWithSecrets>();
  const tokens = new Map<string, { personId: string; slackUserId: string; accessToken: string }>();
  const reads = { secrets: 0 };
  const server = http.createServer((request, response) => {
    const send = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': status === 200 ? 'application/json' : 'application/problem+json' }).end(JSON.stringify(body));
    if (request.headers.authorization !== `Bearer ${INTERNAL_TOKEN}`) return send(401, { title: 'Unauthorized', status: 401 });
    const url = request.url ?? '';
    const view = (c: ConnectionWithSecrets) => ({ id: c.id, orgId: c.orgId, platform: c.platform, settings: c.settings, createdAt: '2026-12-01T00:00:00.000Z' });
    const workspace = /^\/internal\/slack-workspaces\/([^/]+)\/connection$/.exec(url);
    if (workspace && request.method === 'GET') {
      const found = [...connections.values()].find((c) => c.settings.platform === 'slack' && c.settings.teamId === decodeURIComponent(workspace[1] ?? ''));
      return found ? send(200, view(found)) : send(404, { title: 'Not Found', status: 404 });
    }
    const connection = /^\/internal\/orgs\/([^/]+)\/connections\/([^/]+?)(\/secrets)?$/.exec(url);
    if (connection && request.method === 'GET') {
      const found = connections.get(decodeURIComponent(connection[2] ?? ''));
      if (!found) return send(404, { title: 'Not Found', status: 404 });
      if (connection[3]) reads.secrets += 1;
      return send(200, connection[3] ? found : view(found));
    }
    if (/^\/internal\/orgs\/[^/]+\/slack-user-tokens$/.test(url) && request.method === 'POST') {
      let raw = '';
      request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      request.on('end', () => {
        const body = JSON.parse(raw) as { personId?: string; slackUserId?: string };
        const found = [...tokens.values()].find((t) => (body.personId ? t.personId === body.personId : t.slackUserId === body.slackUserId));
        if (!found) return send(409, { type: NEEDS_ATTENTION_PROBLEM, title: 'Conflict', status: 409, detail: 'no Slack consent yet' });
        send(200, { accessToken: found.accessToken, slackUserId: found.slackUserId, personId: found.personId });
      });
      return;
    }
    send(404, { title: 'Not Found', status: 404 });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    add(settings: SlackSettings, secrets: ConnectionWithSecrets['secrets']): string {
      const id = randomUUID();
      connections.set(id, { id, orgId: ORG, platform: 'slack', settings, secrets } as ConnectionWithSecrets);
      return id;
    },
    consent(personId: string, slackUserId: string, accessToken: string): void {
      tokens.set(personId, { personId, slackUserId, accessToken });
    },
    revoke(personId: string): void {
      tokens.delete(personId);
    },
    /** The admin gave the connection a new signing secret (Slack's app settings: "Regenerate"). */
    rotateSigningSecret(id: string, signingSecret: string): void {
      const found = connections.get(id) as ConnectionWithSecrets & { secrets: { signingSecret: string } };
      connections.set(id, { ...found, secrets: { ...found.secrets, signingSecret } } as ConnectionWithSecrets);
    },
    reads,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A stand-in for teams-connector's fileContent route (another service): a few files by ref, behind the internal
 * bearer; `gone` answers the 404 problem a deleted Teams file gets. Counts the reads of each ref.
 */
async function startTeamsFilesStub(files: Record<string, { type: string; bytes: Buffer }>) {
  const reads = new Map<string, number>();
  const server = http.createServer((request, response) => {
    const match = /^\/internal\/orgs\/[^/]+\/connections\/[^/]+\/files\/([^/]+)\/content$/.exec(request.url ?? '');
    if (request.headers.authorization !== `Bearer ${INTERNAL_TOKEN}` || !match || request.method !== 'GET') return response.writeHead(401).end();
    const ref = decodeURIComponent(match[1] ?? '');
    reads.set(ref, (reads.get(ref) ?? 0) + 1);
    const file = files[ref];
    if (!file) return response.writeHead(404, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ title: 'Not Found', status: 404, detail: 'Graph says the file is gone' }));
    response.writeHead(200, { 'content-type': file.type, 'content-length': String(file.bytes.length) }).end(file.bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, reads, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

type Received = Payload<'parley.message.received.v2'>;
type DeliveredWithFiles = Payload<'parley.message.delivered.v2'>;
type Delivered = Payload<'parley.message.delivered.v1'>;
type ReactionObserved = Payload<'parley.reaction.observed.v1'>;
type ReactionDelivered = Payload<'parley.reaction.delivered.v1'>;

// slack-connector in-process on real PostgreSQL (the in-process bus and cache stand in for Kafka and Redis, as in the
// neighbouring slack-connector spec), against the Slack sandbox with its limits on, time-compressed a hundredfold.
describe('slack-connector relay side', () => {
  let database: FreshDatabase;
  let sandbox: SlackSandbox;
  let identity: Awaited<ReturnType<typeof startIdentityStub>>;
  let broker: InProcessBroker;
  let observer: InProcessBus;
  let service: InProcessService;
  let creds: SlackSeedCredentials;
  let settings: SlackSettings;
  let connectionId: string;
  /**
   * What a crash between Slack's answer and the connector's commit leaves of a create: the attempt recorded, no
   * outcome (the post itself is made by the test, as the attempt made it).
   */
  const crashedAfterPosting = (deliveryId: string, channel: string, voice: 'person' | 'fallback') =>
    queryRows(
      database.url,
      `INSERT INTO slack_connector.deliveries (delivery_id, org_id, connection_id, team_id, change, channel_id, voice, state, attempts, last_attempt_at)
       VALUES ($1, $2, $3, $4, 'create', $5, $6, 'attempting', 1, now())`,
      [deliveryId, ORG, connectionId, creds.teamId, channel, voice],
    );
  let ids: Record<string, string>;
  const received: Received[] = [];
  /** What slack-connector published on v1: nothing, now that it speaks v2 (ADR 0039). */
  const receivedOnV1: unknown[] = [];
  const delivered: Delivered[] = [];
  const deliveredWithFiles: DeliveredWithFiles[] = [];
  let teamsFiles: Awaited<ReturnType<typeof startTeamsFilesStub>>;
  const reactions: ReactionObserved[] = [];
  const reactionOutcomes: ReactionDelivered[] = [];
  /** A consented person: the Slack account `both1` (standing for a Teams-primary person's mirror) and its token. */
  const frances = { personId: randomUUID(), name: 'both1', token: '' };
  /** A person without consent (their Slack account is `both2`). */
  const grace = { personId: randomUUID(), name: 'both2' };

  async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Waits until the sandbox has nothing in flight, the connector nothing stored unhandled and the outbox is empty. */
  async function settle(): Promise<void> {
    let quiet = 0;
    while (quiet < 3) {
      await sandbox.eventsIdle();
      await broker.drain();
      const [{ n }] = await queryRows<{ n: number }>(
        database.url,
        `SELECT ((SELECT count(*) FROM slack_connector.outbox) + (SELECT count(*) FROM slack_connector.inbound_events WHERE processed_at IS NULL))::int AS n`,
      );
      quiet = n === 0 ? quiet + 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const eventsUrl = () => `${service.url}/slack/events`;
  const sendSigned = (body: string, options: { secret?: string; timestamp?: number; signature?: string } = {}) => {
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    return fetch(eventsUrl(), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': options.signature ?? signSlackRequest(options.secret ?? creds.signingSecret, timestamp, body),
      },
      body,
    });
  };
  const messageEnvelope = (eventId: string, event: Record<string, unknown>) =>
    JSON.stringify({
      token: creds.verificationToken,
      team_id: creds.teamId,
      api_app_id: creds.appId,
      type: 'event_callback',
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ enterprise_id: null, team_id: creds.teamId, user_id: creds.botUserId, is_bot: true, is_enterprise_install: false }],
      event,
    });
  const storedEvents = async () => (await queryRows<{ n: number }>(database.url, 'SELECT count(*)::int AS n FROM slack_connector.inbound_events'))[0]?.n ?? 0;
  const receivedFor = (channel: string) => received.filter((r) => r.conversation.conversationId === channel);
  /** slack-connector's fileContent route, as teams-connector calls it. */
  const fileContent = (ref: string, connection = connectionId) =>
    fetch(`${service.url}/internal/orgs/${ORG}/connections/${connection}/files/${encodeURIComponent(ref)}/content`, { headers: { authorization: `Bearer ${INTERNAL_TOKEN}` } });
  const userClient = (token: string) => new WebClient(token, { slackApiUrl: sandbox.apiUrl, retryConfig: { retries: 0 } });

  type Request = PayloadIn<'parley.slack.message.deliver.requested.v1'>;
  const deliver = async (r: Request): Promise<Delivered> => {
    await observer.publish('parley.slack.message.deliver.requested.v1', r);
    return waitFor(`delivery ${r.deliveryId}`, () => delivered.find((d) => d.deliveryId === r.deliveryId));
  };
  type HistoryMessage = { ts: string; user?: string; text?: string; bot_id?: string; username?: string; thread_ts?: string; subtype?: string; icons?: { image_48?: string }; metadata?: { event_type?: string; event_payload?: Record<string, unknown> } };

  type LinkChange = PayloadIn<'parley.channel.link.changed.v1'>;
  /**
   * What the relay announces when an admin links or unlinks a Slack channel; resolves once the connector recorded it
   * (and, for a public channel it can join, once the app is in it).
   */
  async function changeLink(channelId: string, overrides: Partial<LinkChange> = {}): Promise<LinkChange> {
    const linkId = overrides.linkId ?? randomUUID();
    const change: LinkChange = {
      orgId: ORG,
      linkId,
      change: 'linked',
      slack: { connectionId, channelId },
      teams: { connectionId: randomUUID(), teamId: 'b2c1d0e9-8f7a-4b6c-9d5e-4f3a2b1c0d9e', channelId: `19:${linkId.replace(/-/g, '')}@thread.tacv2` },
      private: false,
      occurredAt: new Date().toISOString(),
      ...overrides,
    };
    await observer.publish('parley.channel.link.changed.v1', change);
    await broker.drain();
    const joins = change.change === 'linked' && !change.private;
    await waitFor(`link ${linkId} ${change.change}`, async () => {
      const [row] = await queryRows<{ state: string; joined: boolean }>(database.url, 'SELECT state, joined_at IS NOT NULL AS joined FROM slack_connector.channel_links WHERE link_id = $1', [linkId]);
      return row?.state === change.change && (!joins || row.joined);
    });
    return change;
  }

  beforeAll(async () => {
    database = await createFreshDatabase(integrationEnv().databaseUrl, 'parley_sr');
    sandbox = await startSlackSandbox({ limits: { enabled: true, timeScale: TIME_SCALE } });
    creds = sandbox.seed(demoOrganization('relay.example'), { plan: 'pro' });
    ids = Object.fromEntries([...sandbox.state.users.values()].filter((u) => u.teamId === creds.teamId).map((u) => [u.name, u.id]));
    identity = await startIdentityStub();
    teamsFiles = await startTeamsFilesStub({
      'hosted-img-1': { type: 'image/png', bytes: PNG },
      'onedrive-doc-1': { type: 'application/pdf', bytes: Buffer.from('%PDF-1.4 from Teams') },
    });
    settings = {
      platform: 'slack',
      teamId: creds.teamId,
      teamName: creds.teamName,
      botUserId: creds.botUserId,
      apiUrl: sandbox.apiUrl,
      scimUrl: `${sandbox.url}/scim/v2`,
      scim: false,
      scopes: ['chat:write', 'chat:write.customize', 'users:read', 'users:read.email', 'im:write', 'im:history', 'channels:history'],
    };
    connectionId = identity.add(settings, { botToken: creds.botToken, signingSecret: creds.signingSecret });
    frances.token = sandbox.control.installForUser({ as: frances.name, userScopes: USER_SCOPES });
    identity.consent(frances.personId, ids[frances.name] as string, frances.token);

    broker = new InProcessBroker(4);
    const logger = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
    observer = new InProcessBus(broker, { service: 'relay', logger });
    observer.subscribe('parley.message.received.v2', async (payload) => void received.push(payload), { group: 'test-observer' });
    observer.subscribe('parley.message.received.v1', async (payload) => void receivedOnV1.push(payload), { group: 'test-observer' });
    observer.subscribe('parley.message.delivered.v1', async (payload) => void delivered.push(payload), { group: 'test-observer' });
    observer.subscribe('parley.message.delivered.v2', async (payload) => void deliveredWithFiles.push(payload), { group: 'test-observer' });
    observer.subscribe('parley.reaction.observed.v1', async (payload) => void reactions.push(payload), { group: 'test-observer' });
    observer.subscribe('parley.reaction.delivered.v1', async (payload) => void reactionOutcomes.push(payload), { group: 'test-observer' });
    await observer.start();

    const config = loadConfig({ slackConnector: slackConnectorConfigSection }, { PARLEY_SLACK_LIMIT_TIME_SCALE: String(TIME_SCALE) });
    service = await startServiceInProcess(slackConnectorService, {
      databaseUrl: database.url,
      broker,
      logger,
      internalToken: INTERNAL_TOKEN,
      peers: { identity: identity.url, 'teams-connector': teamsFiles.url },
      config,
    });
    // Every test hears events (the first test checks the handshake itself).
    if (!(await sandbox.control.setEventsUrl({ url: eventsUrl(), appId: creds.appId }))) throw new Error('the Events URL was refused');
    // #general is linked for the ingress tests: only linked channels are relayed.
    await changeLink(creds.channels['general'] as string);
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await observer?.stop();
    await identity?.stop();
    await teamsFiles?.stop();
    await sandbox?.stop();
    await database?.drop();
  });

  describe('Events API ingress', () => {
    it('answers url_verification, so Slack saves the request URL', async () => {
      expect(await sandbox.control.setEventsUrl({ url: eventsUrl(), appId: creds.appId })).toBe(true);
    });

    it('refuses a forged signature and a stale timestamp, storing and publishing nothing', async () => {
      const before = await storedEvents();
      const body = messageEnvelope('EvForged0001', { type: 'message', channel: creds.channels['general'], channel_type: 'channel', user: ids['eng01'], text: 'forged', ts: '1732700000.000100' });
      expect((await sendSigned(body, { secret: 'not-the-signing-secret' })).status).toBe(401);
      expect((await sendSigned(body, { signature: 'v0=' + '0'.repeat(64) })).status).toBe(401);
      expect((await sendSigned(body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(401);
      const unknownTeam = body.replace(creds.teamId, 'T0NOTOURS');
      expect((await sendSigned(unknownTeam)).status).toBe(401);
      // The body changed after signing: the signature no longer matches it.
      const timestamp = Math.floor(Date.now() / 1000);
      const tampered = await fetch(eventsUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signSlackRequest(creds.signingSecret, timestamp, body) },
        body: body.replace('forged', 'tampered'),
      });
      expect(tampered.status).toBe(401);
      await settle();
      expect(await storedEvents()).toBe(before);
      expect(received.filter((r) => r.body?.content === 'forged' || r.body?.content === 'tampered')).toHaveLength(0);
    });

    it('takes a rotated signing secret at once, and forged requests do not make it read identity again and again', async () => {
      // A workspace of its own, so the secret can change without touching the sandbox's; a notice envelope (verified,
      // then answered 200 without storing) keeps the other tests' events out of it.
      const teamId = 'T0ROTATE01';
      const id = identity.add({ ...settings, teamId }, { botToken: creds.botToken, signingSecret: 'first-signing-secret' });
      const notice = JSON.stringify({ token: creds.verificationToken, team_id: teamId, api_app_id: creds.appId, type: 'app_rate_limited', minute_rate_limited: 1 });
      expect((await sendSigned(notice, { secret: 'first-signing-secret' })).status).toBe(200);
      identity.rotateSigningSecret(id, 'second-signing-secret');
      // The reused secret no longer matches: the connector reads it again once, and the request goes through.
      expect((await sendSigned(notice, { secret: 'second-signing-secret' })).status).toBe(200);
      const before = identity.reads.secrets;
      for (let i = 0; i < 5; i++) expect((await sendSigned(notice, { secret: 'forged-signing-secret' })).status).toBe(401);
      expect((await sendSigned(notice, { secret: 'first-signing-secret' })).status).toBe(401);
      // Within 10 s of the last read, a mismatch is refused without asking identity again.
      expect(identity.reads.secrets - before).toBe(0);
    });

    it('publishes a channel message the bot hears once, however often the same event_id is sent', async () => {
      const channel = creds.channels['general'] as string;
      const posted = sandbox.control.post({ as: 'eng01', channel, text: 'hello *team* <@' + ids['eng02'] + '>' });
      await settle();
      const first = await waitFor('the channel message', () => receivedFor(channel).find((r) => r.messageId === posted['ts']));
      expect(first).toMatchObject({
        orgId: ORG,
        connectionId,
        conversation: { platform: 'slack', conversationId: channel, kind: 'channel' },
        change: 'created',
        senderPlatformUserId: ids['eng01'],
        body: { format: 'slack-mrkdwn', content: `hello *team* <@${ids['eng02']}>` },
      });
      expect(first.conversation.members).toBeUndefined();
      // Slack's retry of the same event (same event_id), signed afresh, is acked and dropped.
      const replay = messageEnvelope(first.platformEventId, { type: 'message', channel, channel_type: 'channel', user: ids['eng01'], text: 'hello again', ts: posted['ts'] });
      const answer = await sendSigned(replay);
      expect(answer.status).toBe(200);
      await settle();
      expect(receivedFor(channel).filter((r) => r.messageId === posted['ts'])).toHaveLength(1);
    });

    it('publishes each message once when the platform duplicates its events', async () => {
      const channel = creds.channels['general'] as string;
      sandbox.setFaults({ duplicateEventRate: 1 });
      try {
        const posted = [1, 2, 3].map((n) => sandbox.control.post({ as: 'eng03', channel, text: `dup ${n}` })['ts'] as string);
        await settle();
        for (const ts of posted) expect(receivedFor(channel).filter((r) => r.messageId === ts)).toHaveLength(1);
        const deliveries = sandbox.inspect.events({ type: 'message' }).filter((d) => posted.includes(String((d.envelope as { event?: { ts?: string } }).event?.ts)));
        expect(deliveries.length).toBeGreaterThan(posted.length);
      } finally {
        sandbox.setFaults({});
      }
    });

    it('takes a burst of events sent at once, each twice, and publishes every message once, in the order written', async () => {
      const channel = creds.channels['general'] as string;
      sandbox.setFaults({ duplicateEventRate: 1 });
      try {
        // Concurrent deliveries share one INSERT (group commit); a copy in the same statement is not a second event.
        const posted = Array.from({ length: 60 }, (_, n) => sandbox.control.post({ as: 'eng03', channel, text: `burst ${n}` })['ts'] as string);
        await settle();
        const published = receivedFor(channel).filter((r) => posted.includes(r.messageId));
        expect(published.map((r) => r.messageId)).toEqual(posted);
      } finally {
        sandbox.setFaults({});
      }
    });

    it("acks an event within Slack's 3 s while every connection of the service's own pool is taken (ADR 0052)", async () => {
      const dm = sandbox.control.open({ as: 'eng01', with: [frances.name] }).id;
      const poolSize = (service.dataSource.options as { poolSize?: number }).poolSize ?? 10;
      // The lanes and Kafka handlers of a busy connector, holding every pooled connection for 5 s.
      const busy = Array.from({ length: poolSize }, () => service.dataSource.query('SELECT pg_sleep(5)'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      try {
        // A DM's event, and a linked channel's (whose link is checked before the ack too).
        const general = creds.channels['general'] as string;
        for (const [channel, channelType, ms] of [[dm, 'im', '000300'], [general, 'channel', '000400']] as const) {
          const ts = `${Math.floor(Date.now() / 1000)}.${ms}`;
          const started = Date.now();
          const answer = await sendSigned(messageEnvelope(`EvBusy${randomUUID().slice(0, 8)}`, { type: 'message', channel, channel_type: channelType, user: ids['eng01'], text: 'while the pool is busy', ts, event_ts: ts }));
          expect({ channelType, status: answer.status }).toEqual({ channelType, status: 200 });
          expect(Date.now() - started).toBeLessThan(3_000);
        }
      } finally {
        await Promise.allSettled(busy);
      }
      await settle();
    });

    it("publishes a consented person's DM (a user-token event) once, with both members, and its edit and delete", async () => {
      const dm = sandbox.control.open({ as: 'eng01', with: [frances.name] }).id;
      const posted = sandbox.control.post({ as: 'eng01', channel: dm, text: 'hi Frances, `code` & <https://example.com|link>' });
      const ts = posted['ts'] as string;
      await settle();
      const created = await waitFor('the DM', () => receivedFor(dm).find((r) => r.change === 'created' && r.messageId === ts));
      expect(created).toMatchObject({
        conversation: { conversationId: dm, kind: 'dm', members: [ids['both1'], ids['eng01']].sort() },
        senderPlatformUserId: ids['eng01'],
        body: { format: 'slack-mrkdwn', content: 'hi Frances, `code` & <https://example.com|link>' },
      });
      sandbox.control.reply({ as: 'eng01', channel: dm, text: 'in a thread', threadTs: ts });
      sandbox.control.edit({ as: 'eng01', channel: dm, ts, text: 'hi Frances (edited)' });
      await settle();
      sandbox.control.delete({ as: 'eng01', channel: dm, ts });
      await settle();
      const changes = receivedFor(dm);
      expect(changes.filter((r) => r.messageId === ts && r.change === 'created')).toHaveLength(1);
      expect(changes.find((r) => r.threadRootId === ts)).toMatchObject({ change: 'created', body: { content: 'in a thread' } });
      expect(changes.filter((r) => r.messageId === ts && r.change === 'edited')).toEqual([
        expect.objectContaining({ senderPlatformUserId: ids['eng01'], body: { format: 'slack-mrkdwn', content: 'hi Frances (edited)' } }),
      ]);
      const deleted = changes.filter((r) => r.messageId === ts && r.change === 'deleted');
      expect(deleted).toHaveLength(1);
      expect(deleted[0]?.body).toBeUndefined();
      // What was published is not kept: handled envelopes are emptied.
      const kept = await queryRows<{ n: number }>(database.url, `SELECT count(*)::int AS n FROM slack_connector.inbound_events WHERE processed_at IS NOT NULL AND body IS NOT NULL`);
      expect(kept[0]?.n).toBe(0);
    });

    it("publishes a group DM's members, read with the consented person's token", async () => {
      const group = sandbox.control.open({ as: 'eng01', with: [frances.name, 'eng02'] }).id;
      const posted = sandbox.control.post({ as: 'eng02', channel: group, text: 'hello group' });
      await settle();
      const message = await waitFor('the group DM', () => receivedFor(group).find((r) => r.messageId === posted['ts']));
      expect(message.conversation).toEqual({ platform: 'slack', conversationId: group, kind: 'group', members: [ids['both1'], ids['eng01'], ids['eng02']].sort() });
    });
  });

  describe('files (ADR 0039, 0040)', () => {
    it('publishes a file shared with text in a linked channel as one v2 message with its files, and serves their bytes', async () => {
      const channel = creds.channels['general'] as string;
      const uploaded = sandbox.control.upload({ as: 'eng01', channel, filename: 'diagram.png', content: PNG, initialComment: 'the *diagram*' }) as { file: { id: string; permalink: string }; message: { ts: string } };
      await settle();
      const message = await waitFor('the file_share', () => receivedFor(channel).find((r) => r.messageId === uploaded.message.ts));
      expect(message).toMatchObject({ change: 'created', senderPlatformUserId: ids['eng01'], body: { format: 'slack-mrkdwn', content: 'the *diagram*' } });
      expect(message.files).toEqual([{ ref: uploaded.file.id, name: 'diagram.png', mimeType: 'image/png', sizeBytes: PNG.length, kind: 'image', permalink: uploaded.file.permalink }]);
      expect(receivedOnV1).toHaveLength(0);

      const answer = await fileContent(message.files?.[0]?.ref as string);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await answer.arrayBuffer()).equals(PNG)).toBe(true);
    });

    it("names the person whose installation saw a DM's file, and reads it with their token (the bot is not in the DM)", async () => {
      const dm = sandbox.control.open({ as: 'eng02', with: [frances.name] }).id;
      const uploaded = sandbox.control.upload({ as: 'eng02', channel: dm, filename: 'plan.pdf', content: '%PDF-1.4 the plan', threadTs: undefined }) as { message: { ts: string } };
      await settle();
      const message = await waitFor('the DM file', () => receivedFor(dm).find((r) => r.messageId === uploaded.message.ts));
      expect(message.files).toEqual([expect.objectContaining({ ref: expect.stringMatching(new RegExp(`^F[A-Z0-9]+\\.${ids['both1']}$`)), name: 'plan.pdf', mimeType: 'application/pdf', kind: 'file', sizeBytes: 17 })]);
      expect(message.body).toEqual({ format: 'slack-mrkdwn', content: '' });
      const answer = await fileContent(message.files?.[0]?.ref as string);
      expect(answer.status).toBe(200);
      expect(await answer.text()).toBe('%PDF-1.4 the plan');
      // The bot alone cannot read it: a handle without the person is refused as Slack refuses the bot.
      expect((await fileContent((message.files?.[0]?.ref as string).split('.')[0] as string)).status).toBe(404);
    });

    it("reads with the bot once the person's token is refused: a DM the bot is not in is then a 404, not an admin problem", async () => {
      const ida = sandbox.control.addPerson({ name: 'ida', email: 'ida@relay.example' })['id'] as string;
      const token = sandbox.control.installForUser({ as: 'ida', userScopes: USER_SCOPES });
      identity.consent(randomUUID(), ida, token);
      const dm = sandbox.control.open({ as: 'eng02', with: ['ida'] }).id;
      const uploaded = sandbox.control.upload({ as: 'eng02', channel: dm, filename: 'note.txt', content: 'for Ida' }) as { message: { ts: string } };
      await settle();
      const ref = (await waitFor('the file', () => receivedFor(dm).find((r) => r.messageId === uploaded.message.ts)))?.files?.[0]?.ref as string;
      expect(ref).toMatch(new RegExp(`\\.${ida}$`));
      expect(await (await fileContent(ref)).text()).toBe('for Ida');
      sandbox.control.revokeToken(token);
      const refused = await fileContent(ref);
      expect(refused.status).toBe(404);
      expect(((await refused.json()) as { detail: string }).detail).toContain('file_not_found');
    });

    it('answers 404 for a file deleted since, and for a handle it never made', async () => {
      const channel = creds.channels['general'] as string;
      const uploaded = sandbox.control.upload({ as: 'eng01', channel, filename: 'old.txt', content: 'soon gone' }) as { file: { id: string } };
      expect((await fileContent(uploaded.file.id)).status).toBe(200);
      sandbox.control.deleteFile({ as: 'eng01', file: uploaded.file.id });
      const gone = await fileContent(uploaded.file.id);
      expect(gone.status).toBe(404);
      expect(((await gone.json()) as { detail: string }).detail).toContain('file_not_found');
      expect((await fileContent('not-a-slack-file')).status).toBe(404);
      expect((await fileContent(uploaded.file.id, randomUUID())).status).toBe(404);
    });
  });

  describe('reactions (ADR 0032)', () => {
    it("publishes each add and remove in a consented person's DM once (a user-token event), duplicates and all", async () => {
      const dm = sandbox.control.open({ as: 'eng02', with: [frances.name] }).id;
      const ts = sandbox.control.post({ as: frances.name, channel: dm, text: 'react to me' })['ts'] as string;
      sandbox.setFaults({ duplicateEventRate: 1 });
      try {
        sandbox.control.react({ as: 'eng02', channel: dm, ts, name: 'thumbsup::skin-tone-2' });
        await settle();
        sandbox.control.unreact({ as: 'eng02', channel: dm, ts, name: 'thumbsup::skin-tone-2' });
        await settle();
        sandbox.control.react({ as: 'eng02', channel: dm, ts, name: 'partyparrot' });
        await settle();
      } finally {
        sandbox.setFaults({});
      }
      const seen = await waitFor('three reaction changes', () => {
        const found = reactions.filter((r) => r.messageId === ts);
        return found.length >= 3 ? found : undefined;
      });
      expect(seen.map((r) => [r.change, r.reaction, r.reactorPlatformUserId])).toEqual([
        ['added', 'thumbsup::skin-tone-2', ids['eng02']],
        ['removed', 'thumbsup::skin-tone-2', ids['eng02']],
        ['added', 'partyparrot', ids['eng02']],
      ]);
      expect(seen[0]).toMatchObject({ orgId: ORG, connectionId, conversation: { platform: 'slack', conversationId: dm, kind: 'dm' } });
      const deliveries = sandbox.inspect.events({ type: 'reaction_added' }).filter((d) => (d.envelope as { event?: { item?: { ts?: string } } }).event?.item?.ts === ts);
      expect(deliveries.length).toBeGreaterThan(2);
    });

    it("adds and removes a Teams person's reaction with their user token, once per delivery id; its events are echoes", async () => {
      const dm = sandbox.control.open({ as: 'eng03', with: [frances.name] }).id;
      const ts = sandbox.control.post({ as: 'eng03', channel: dm, text: 'a Slack message Frances reacts to on Teams' })['ts'] as string;
      const eng03 = userClient(sandbox.control.installForUser({ as: 'eng03', userScopes: USER_SCOPES }));
      const request = (overrides: Partial<PayloadIn<'parley.slack.reaction.deliver.requested.v1'>> = {}): PayloadIn<'parley.slack.reaction.deliver.requested.v1'> => ({
        orgId: ORG,
        connectionId,
        deliveryId: randomUUID(),
        conversationId: dm,
        targetMessageId: ts,
        change: 'add',
        reactorPersonId: frances.personId,
        reaction: '+1::skin-tone-2',
        ...overrides,
      });
      const react = async (r: PayloadIn<'parley.slack.reaction.deliver.requested.v1'>) => {
        await observer.publish('parley.slack.reaction.deliver.requested.v1', r);
        return waitFor(`reaction ${r.deliveryId}`, () => reactionOutcomes.find((o) => o.deliveryId === r.deliveryId));
      };
      const seenByEng03 = async () => ((await eng03.reactions.get({ channel: dm, timestamp: ts, full: true })).message?.reactions ?? []).map((r) => [r.name, r.users]);

      const add = request();
      expect(await react(add)).toMatchObject({ outcome: 'delivered', conversation: { platform: 'slack', conversationId: dm } });
      expect(await seenByEng03()).toEqual([['+1::skin-tone-2', [ids[frances.name]]]]);
      await observer.publish('parley.slack.reaction.deliver.requested.v1', add);
      const removal = request({ change: 'remove' });
      expect(await react(removal)).toMatchObject({ outcome: 'delivered' });
      expect(await seenByEng03()).toEqual([]);
      await settle();
      expect(reactionOutcomes.filter((o) => o.deliveryId === add.deliveryId)).toHaveLength(1);
      // Slack sent reaction_added and reaction_removed for Frances's token: Parley's own, not relayed back.
      expect(sandbox.inspect.events({ type: 'reaction_added' }).some((d) => (d.envelope as { event?: { item?: { ts?: string } } }).event?.item?.ts === ts)).toBe(true);
      expect(reactions.filter((r) => r.messageId === ts)).toEqual([]);
    });

    it('makes no reaction for a person without consent, and says so', async () => {
      const dm = sandbox.control.open({ as: 'eng03', with: [grace.name] }).id;
      const ts = sandbox.control.post({ as: 'eng03', channel: dm, text: 'Grace has not consented' })['ts'] as string;
      const deliveryId = randomUUID();
      await observer.publish('parley.slack.reaction.deliver.requested.v1', {
        orgId: ORG,
        connectionId,
        deliveryId,
        conversationId: dm,
        targetMessageId: ts,
        change: 'add',
        reactorPersonId: grace.personId,
        reaction: 'tada',
      });
      const outcome = await waitFor('the outcome', () => reactionOutcomes.find((o) => o.deliveryId === deliveryId));
      expect(outcome).toMatchObject({ outcome: 'unvoiced', reason: expect.stringContaining('has not given Parley their Slack consent') });
      expect(sandbox.inspect.messages(dm).find((m) => m['ts'] === ts)?.['reactions']).toBeUndefined();
    });
  });

  describe('Channel Sync', () => {
    const internal = (path: string, init: { method?: string; body?: unknown } = {}) =>
      fetch(`${service.url}/internal/orgs/${ORG}/connections/${connectionId}${path}`, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${INTERNAL_TOKEN}`, 'content-type': 'application/json' },
        ...(init.body ? { body: JSON.stringify(init.body) } : {}),
      });
    const channelRequest = (channel: string, overrides: Partial<Request> = {}): Request => ({
      orgId: ORG,
      connectionId,
      deliveryId: randomUUID(),
      target: { kind: 'existing', conversationId: channel },
      change: 'create',
      senderPersonId: frances.personId,
      senderDisplayName: 'Frances Hopper',
      senderAvatarUrl: 'https://avatars.example.com/frances.png',
      recipientPlatformUserIds: [],
      body: { format: 'slack-mrkdwn', content: 'hello channel, from Teams' },
      ...overrides,
    });
    const messagesOf = (channel: string) => sandbox.inspect.messages(channel) as unknown as HistoryMessage[];
    const membersOf = (channel: string) => (sandbox.inspect.channels().find((c) => c['id'] === channel)?.['members'] ?? []) as string[];
    /** How many of the message events Slack sent about this message were stored at all (its text with them). */
    const stored = async (ts: string) => {
      const eventIds = sandbox.inspect
        .events({ type: 'message' })
        .filter((d) => (d.envelope as { event?: { ts?: string } }).event?.ts === ts)
        .map((d) => d.eventId);
      expect(eventIds.length).toBeGreaterThan(0);
      return (await queryRows<{ n: number }>(database.url, `SELECT count(*)::int AS n FROM slack_connector.inbound_events WHERE event_id = ANY($1)`, [eventIds]))[0]?.n ?? 0;
    };
    const handledAs = async (outcome: string) =>
      (await queryRows<{ n: number }>(database.url, `SELECT count(*)::int AS n FROM slack_connector.inbound_events WHERE outcome = $1`, [outcome]))[0]?.n ?? 0;
    const newChannel = (name: string, members: string[], isPrivate = false) => sandbox.control.createChannel({ name, isPrivate, members })['id'] as string;

    it('describes a channel as the app sees it, and answers 404 for one it cannot see or that is no channel', async () => {
      const general = await internal(`/slack-channels/${creds.channels['general']}`);
      expect(general.status).toBe(200);
      expect(await general.json()).toEqual({ id: creds.channels['general'], name: 'general', private: false, archived: false, appIsMember: true });
      expect(await (await internal(`/slack-channels/${creds.channels['random']}`)).json()).toMatchObject({ name: 'random', appIsMember: false });
      const secret = newChannel('describe-secret', ['eng01', creds.botUserId], true);
      expect(await (await internal(`/slack-channels/${secret}`)).json()).toMatchObject({ private: true, appIsMember: true });
      const archived = newChannel('describe-archived', ['eng01']);
      sandbox.control.archive({ as: 'eng01', channel: archived });
      expect(await (await internal(`/slack-channels/${archived}`)).json()).toMatchObject({ archived: true, appIsMember: false });

      const hidden = await internal(`/slack-channels/${newChannel('describe-hidden', ['eng01'], true)}`);
      expect(hidden.status).toBe(404);
      expect(await hidden.json()).toMatchObject({ status: 404, detail: expect.stringContaining('channel_not_found') });
      const appDm = (await userClient(creds.botToken).conversations.open({ users: ids['eng01'] as string })).channel?.id as string;
      expect(await (await internal(`/slack-channels/${appDm}`)).json()).toMatchObject({ status: 404, detail: expect.stringContaining('a DM, not a channel') });
      const otherConnection = await fetch(`${service.url}/internal/orgs/${ORG}/connections/${randomUUID()}/slack-channels/C1`, { headers: { authorization: `Bearer ${INTERNAL_TOKEN}` } });
      expect(otherConnection.status).toBe(404);
    });

    it('creates the twin channel with the app in it: 201, 409 for a taken name, 422 naming `name` for an invalid one', async () => {
      const created = await internal('/slack-channels', { method: 'POST', body: { name: 'teams-design', private: true } });
      expect(created.status).toBe(201);
      const view = (await created.json()) as { id: string };
      expect(view).toMatchObject({ id: expect.any(String), name: 'teams-design', private: true, archived: false, appIsMember: true });
      expect(membersOf(view.id)).toEqual([creds.botUserId]);
      const taken = await internal('/slack-channels', { method: 'POST', body: { name: 'teams-design', private: false } });
      expect(taken.status).toBe(409);
      expect(await taken.json()).toMatchObject({ type: 'https://parley.dev/problems/channel-name-taken', detail: expect.stringContaining('name_taken') });
      const invalid = await internal('/slack-channels', { method: 'POST', body: { name: 'Design Team!', private: false } });
      expect(invalid.status).toBe(422);
      expect(await invalid.json()).toMatchObject({ errors: [{ field: 'name', message: 'invalid_name_specials' }], detail: expect.stringContaining('invalid_name_specials') });
      expect((await internal('/slack-channels', { method: 'POST', body: { name: 'x', private: 'no' } })).status).toBe(400);
    });

    it('joins a linked public channel and relays its messages, threads, broadcasts, edits, deletes and reactions as a channel', async () => {
      const channel = newChannel('linked-public', ['eng01', 'eng02']);
      expect(membersOf(channel)).not.toContain(creds.botUserId);
      await changeLink(channel);
      expect(membersOf(channel)).toContain(creds.botUserId);

      const root = sandbox.control.post({ as: 'eng01', channel, text: 'root in a linked channel' })['ts'] as string;
      const reply = sandbox.control.reply({ as: 'eng02', channel, threadTs: root, text: 'a reply' })['ts'] as string;
      const broadcast = sandbox.control.reply({ as: 'eng02', channel, threadTs: root, text: 'a reply for everyone', replyBroadcast: true })['ts'] as string;
      await settle();
      sandbox.control.edit({ as: 'eng01', channel, ts: root, text: 'root (edited)' });
      sandbox.control.react({ as: 'eng02', channel, ts: root, name: 'tada' });
      await settle();
      sandbox.control.unreact({ as: 'eng02', channel, ts: root, name: 'tada' });
      sandbox.control.delete({ as: 'eng02', channel, ts: reply });
      await settle();

      // Events posted within milliseconds of each other may reach the connector in any order (Slack's deliveries are
      // concurrent); each is published once.
      const seen = receivedFor(channel);
      const byMessage = (rows: unknown[][]) => [...rows].sort((x, y) => `${String(x[1])}:${String(x[0])}`.localeCompare(`${String(y[1])}:${String(y[0])}`));
      expect(byMessage(seen.map((r) => [r.change, r.messageId, r.threadRootId]))).toEqual(
        byMessage([
          ['created', root, undefined],
          ['created', reply, root],
          ['created', broadcast, root],
          ['edited', root, undefined],
          ['deleted', reply, root],
        ]),
      );
      for (const r of seen) expect(r.conversation).toEqual({ platform: 'slack', conversationId: channel, kind: 'channel' });
      expect(seen.find((r) => r.messageId === broadcast)?.body?.content).toBe('a reply for everyone');
      const changes = reactions.filter((r) => r.conversation.conversationId === channel);
      expect(changes.map((r) => [r.change, r.reaction, r.messageId, r.conversation.kind])).toEqual([
        ['added', 'tada', root, 'channel'],
        ['removed', 'tada', root, 'channel'],
      ]);
    });

    it("relays a linked private channel (the app invited), and nothing of a channel that is not linked: its text is never stored", async () => {
      const secret = newChannel('linked-private', ['eng01', creds.botUserId], true);
      await changeLink(secret, { private: true });
      const ts = sandbox.control.post({ as: 'eng01', channel: secret, text: 'private but linked' })['ts'] as string;
      // The app is in #engineering, which no one linked.
      const engineering = creds.channels['engineering'] as string;
      const unlinked = sandbox.control.post({ as: 'eng01', channel: engineering, text: 'not for the other side' })['ts'] as string;
      sandbox.control.reply({ as: 'eng02', channel: engineering, threadTs: unlinked, text: 'nor this reply' });
      sandbox.control.react({ as: 'eng02', channel: engineering, ts: unlinked, name: 'eyes' });
      await settle();
      expect(receivedFor(secret).map((r) => [r.messageId, r.conversation.kind])).toEqual([[ts, 'channel']]);
      expect(receivedFor(engineering)).toEqual([]);
      expect(reactions.filter((r) => r.conversation.conversationId === engineering)).toEqual([]);
      // Slack did send them to the app; the connector acked them without storing them (their text with them).
      expect(await stored(unlinked)).toBe(0);
      expect(await stored(ts)).toBe(1);
      expect(await handledAs('ignored: channel not linked')).toBeGreaterThan(0);
    });

    it('stops relaying at once when unlinked, and an older change delivered late does not link it again', async () => {
      const channel = newChannel('soon-unlinked', ['eng01']);
      const linked = await changeLink(channel);
      const before = sandbox.control.post({ as: 'eng01', channel, text: 'while linked' })['ts'] as string;
      await settle();
      await changeLink(channel, { linkId: linked.linkId, change: 'unlinked', occurredAt: new Date(Date.parse(linked.occurredAt) + 1000).toISOString() });
      // The bus hands the old `linked` again (a redelivery): the later `unlinked` stands.
      await observer.publish('parley.channel.link.changed.v1', linked);
      await broker.drain();
      const [row] = await queryRows<{ state: string }>(database.url, 'SELECT state FROM slack_connector.channel_links WHERE link_id = $1', [linked.linkId]);
      expect(row?.state).toBe('unlinked');
      const after = sandbox.control.post({ as: 'eng01', channel, text: 'after the unlink' })['ts'] as string;
      await settle();
      expect(receivedFor(channel).map((r) => r.messageId)).toEqual([before]);
      expect(await stored(after)).toBe(0);
    });

    it("posts as the sender in a linked channel, adding their account first when it is not in it; threads, edits and deletes; no echo", async () => {
      const channel = newChannel('as-the-person', ['eng01']);
      await changeLink(channel);
      expect(membersOf(channel)).not.toContain(ids[frances.name]);
      const root = await deliver(channelRequest(channel));
      expect(root).toMatchObject({ outcome: 'delivered', voice: 'person', conversation: { platform: 'slack', conversationId: channel }, platformMessageId: expect.any(String) });
      expect(membersOf(channel)).toContain(ids[frances.name]);
      const posted = messagesOf(channel).find((m) => m.ts === root.platformMessageId);
      expect(posted).toMatchObject({ user: ids[frances.name], text: 'hello channel, from Teams', metadata: { event_type: 'parley_delivery', event_payload: { delivery_id: root.deliveryId } } });
      expect(posted?.bot_id).toBeUndefined();

      const adas = sandbox.control.post({ as: 'eng01', channel, text: 'a question for Frances' })['ts'] as string;
      const reply = await deliver(channelRequest(channel, { threadRootId: adas, body: { format: 'slack-mrkdwn', content: 'an answer in the thread' } }));
      expect(messagesOf(channel).find((m) => m.ts === reply.platformMessageId)).toMatchObject({ user: ids[frances.name], thread_ts: adas });
      const edit = await deliver(channelRequest(channel, { change: 'edit', targetMessageId: reply.platformMessageId, threadRootId: adas, body: { format: 'slack-mrkdwn', content: 'an answer (edited)' } }));
      expect(edit).toMatchObject({ outcome: 'delivered', voice: 'person', platformMessageId: reply.platformMessageId });
      expect(messagesOf(channel).find((m) => m.ts === reply.platformMessageId)?.text).toBe('an answer (edited)');
      const removal = await deliver(channelRequest(channel, { change: 'delete', targetMessageId: root.platformMessageId, body: undefined }));
      expect(removal).toMatchObject({ outcome: 'delivered', voice: 'person' });
      expect(messagesOf(channel).find((m) => m.ts === root.platformMessageId)).toBeUndefined();
      await settle();
      // Slack sent every one of them to the app (the channel is linked): Parley's own, so only Ada's went to the relay.
      expect(receivedFor(channel).map((r) => r.messageId)).toEqual([adas]);
    });

    it("reacts as the person in a linked channel, adding their account first; the reaction's event is Parley's echo", async () => {
      const channel = newChannel('reacting', ['eng01']);
      await changeLink(channel);
      const ts = sandbox.control.post({ as: 'eng01', channel, text: 'react to this' })['ts'] as string;
      const deliveryId = randomUUID();
      await observer.publish('parley.slack.reaction.deliver.requested.v1', { orgId: ORG, connectionId, deliveryId, conversationId: channel, targetMessageId: ts, change: 'add', reactorPersonId: frances.personId, reaction: 'tada' });
      expect(await waitFor('the reaction outcome', () => reactionOutcomes.find((o) => o.deliveryId === deliveryId))).toMatchObject({ outcome: 'delivered' });
      expect(membersOf(channel)).toContain(ids[frances.name]);
      expect(messagesOf(channel).find((m) => m.ts === ts)).toMatchObject({ reactions: [{ name: 'tada', users: [ids[frances.name]] }] });
      await settle();
      expect(reactions.filter((r) => r.messageId === ts)).toEqual([]);
    });

    it("falls back in the channel itself: the app posts with the sender's name and picture, in threads too, and edits and deletes its post", async () => {
      const channel = newChannel('fallback-room', ['eng01']);
      await changeLink(channel);
      const graces = (overrides: Partial<Request> = {}) =>
        channelRequest(channel, { senderPersonId: grace.personId, senderDisplayName: 'Grace Hopper', senderAvatarUrl: 'https://avatars.example.com/grace.png', body: { format: 'slack-mrkdwn', content: 'from Grace' }, ...overrides });
      const root = await deliver(graces());
      const ts = root.platformMessageId as string;
      expect(root).toMatchObject({ outcome: 'delivered', voice: 'fallback', conversation: { platform: 'slack', conversationId: channel }, fallbackPosts: [{ conversationId: channel, platformMessageId: ts }] });
      expect(messagesOf(channel).find((m) => m.ts === ts)).toMatchObject({
        text: 'from Grace',
        username: 'Grace Hopper',
        icons: { image_48: 'https://avatars.example.com/grace.png' },
        bot_id: creds.botId,
        metadata: { event_payload: { delivery_id: root.deliveryId } },
      });
      expect(membersOf(channel)).not.toContain(ids[grace.name]);
      const reply = await deliver(graces({ threadRootId: ts, body: { format: 'slack-mrkdwn', content: 'Grace again, in the thread' } }));
      expect(messagesOf(channel).find((m) => m.ts === reply.platformMessageId)).toMatchObject({ username: 'Grace Hopper', thread_ts: ts });
      const edit = await deliver(graces({ change: 'edit', targetMessageId: ts, body: { format: 'slack-mrkdwn', content: 'from Grace (edited)' } }));
      expect(edit).toMatchObject({ outcome: 'delivered', voice: 'fallback', conversation: { conversationId: channel }, platformMessageId: ts });
      expect(messagesOf(channel).find((m) => m.ts === ts)?.text).toBe('from Grace (edited)');
      const removal = await deliver(graces({ change: 'delete', targetMessageId: reply.platformMessageId, threadRootId: ts, body: undefined }));
      expect(removal).toMatchObject({ outcome: 'delivered', voice: 'fallback' });
      expect(messagesOf(channel).filter((m) => m.username === 'Grace Hopper').map((m) => m.text)).toEqual(['from Grace (edited)']);
      await settle();
      expect(receivedFor(channel)).toEqual([]);
    });

    it("falls back in the channel when the sender's account cannot be added to it (a single-channel guest elsewhere already)", async () => {
      const channel = newChannel('guest-limit', ['eng01']);
      await changeLink(channel);
      const guest = sandbox.control.addPerson({ name: 'ada-guest', email: 'ada@teams.example', guest: 'single' })['id'] as string;
      sandbox.control.createChannel({ name: 'guest-home', members: [guest] });
      const ada = { personId: randomUUID(), token: sandbox.control.installForUser({ as: guest, userScopes: USER_SCOPES }) };
      identity.consent(ada.personId, guest, ada.token);
      const outcome = await deliver(channelRequest(channel, { senderPersonId: ada.personId, senderDisplayName: 'Ada Lovelace', body: { format: 'slack-mrkdwn', content: 'from Ada' } }));
      expect(outcome).toMatchObject({ outcome: 'delivered', voice: 'fallback', fallbackPosts: [{ conversationId: channel, platformMessageId: outcome.platformMessageId }] });
      expect(membersOf(channel)).not.toContain(guest);
      expect(messagesOf(channel).find((m) => m.ts === outcome.platformMessageId)).toMatchObject({ text: 'from Ada', username: 'Ada Lovelace', bot_id: creds.botId });
    });

    it('does not hold up the people of a busy channel while the app is posting there for someone', async () => {
      const channel = newChannel('busy-room', ['eng01']);
      await changeLink(channel);
      // Slack is slow to take the app's post: nothing is posted yet, and the app's own post would come back as a
      // bot_message, which is never relayed. Ada's message cannot be its echo, so it goes to the relay at once.
      sandbox.setFaults({ latencyMs: 5_000 });
      const r = channelRequest(channel, { senderPersonId: grace.personId, senderDisplayName: 'Grace Hopper', body: { format: 'slack-mrkdwn', content: 'slow to post' } });
      try {
        await observer.publish('parley.slack.message.deliver.requested.v1', r);
        await waitFor('the post in flight', async () =>
          (await queryRows<{ n: number }>(database.url, `SELECT count(*)::int AS n FROM slack_connector.deliveries WHERE delivery_id = $1 AND state = 'attempting'`, [r.deliveryId]))[0]?.n === 1,
        );
        const adas = sandbox.control.post({ as: 'eng01', channel, text: 'anyone here?' })['ts'] as string;
        await waitFor("Ada's message published", () => receivedFor(channel).some((m) => m.messageId === adas), 4_000);
        expect(delivered.find((d) => d.deliveryId === r.deliveryId)).toBeUndefined();
      } finally {
        sandbox.setFaults({});
      }
      expect(await waitFor(`delivery ${r.deliveryId}`, () => delivered.find((d) => d.deliveryId === r.deliveryId), 30_000)).toMatchObject({ voice: 'fallback' });
    });

    it('hands over late events in the order they were written, though Slack retried them in another order (ADR 0043)', async () => {
      const channel = newChannel('late-retries', ['eng01']);
      const other = newChannel('late-retries-other', ['eng01']);
      await changeLink(channel);
      await changeLink(other);
      // Both written a minute ago, while slack-connector was down; Slack's retries bring the later one first, then
      // the earlier one 600 ms after it (within the 1 s order window). Meanwhile another channel's event is claimed
      // (its settle timer ends 300 ms after the later one came): the later one must not go with it, alone.
      const writtenAt = (Date.now() / 1000 - 60).toFixed(0);
      const earlier = `${writtenAt}.000100`;
      const later = `${writtenAt}.000200`;
      const event = (where: string, ts: string) =>
        messageEnvelope(`EvRetry${randomUUID().slice(0, 8)}`, { type: 'message', channel: where, channel_type: 'channel', user: ids['eng01'], text: `written at ${ts}`, ts, event_ts: ts });
      const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      const start = Date.now();
      expect((await sendSigned(event(other, `${(Date.now() / 1000).toFixed(6)}`))).status).toBe(200);
      await pause(700 - (Date.now() - start));
      expect((await sendSigned(event(channel, later))).status).toBe(200);
      await pause(1_300 - (Date.now() - start));
      expect((await sendSigned(event(channel, earlier))).status).toBe(200);
      await waitFor('both messages', () => receivedFor(channel).length === 2);
      expect(receivedFor(channel).map((r) => r.messageId)).toEqual([earlier, later]);
      expect(receivedFor(other)).toHaveLength(1);
    });

    it("hands an edit of a message never heard of over at the message's place, before what was written after it", async () => {
      const channel = newChannel('edit-of-a-lost-one', ['eng01']);
      await changeLink(channel);
      // The first message's own event never came (Slack gave up on it); the second one's did, and then the first one's
      // edit, 300 ms later: both within the order window. The edit carries the whole message (the relay carries it as
      // the message), so it goes first.
      const writtenAt = (Date.now() / 1000 - 30).toFixed(0);
      const first = `${writtenAt}.000100`;
      const second = `${writtenAt}.000200`;
      const editedAt = `${(Date.now() / 1000).toFixed(0)}.000300`;
      const said = messageEnvelope(`EvSecond${randomUUID().slice(0, 8)}`, { type: 'message', channel, channel_type: 'channel', user: ids['eng01'], text: 'the second', ts: second, event_ts: second });
      const edit = messageEnvelope(`EvEdit${randomUUID().slice(0, 8)}`, {
        type: 'message',
        subtype: 'message_changed',
        channel,
        channel_type: 'channel',
        hidden: true,
        ts: editedAt,
        event_ts: editedAt,
        message: { type: 'message', user: ids['eng01'], text: 'the first, edited', ts: first, edited: { user: ids['eng01'], ts: editedAt } },
        previous_message: { type: 'message', user: ids['eng01'], text: 'the first', ts: first },
      });
      expect((await sendSigned(said)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await sendSigned(edit)).status).toBe(200);
      await waitFor('both messages', () => receivedFor(channel).length === 2);
      expect(receivedFor(channel).map((r) => [r.messageId, r.change])).toEqual([
        [first, 'edited'],
        [second, 'created'],
      ]);
    });

    it('drops an event stored while its channel was linked when the link has ended before it is handled', async () => {
      const channel = newChannel('ended-while-waiting', ['eng01']);
      const link = await changeLink(channel);
      await changeLink(channel, { linkId: link.linkId, change: 'unlinked', occurredAt: new Date(Date.parse(link.occurredAt) + 1000).toISOString() });
      // What ingress stored just before the unlink, still waiting for the processor.
      const eventId = `EvLate${randomUUID().slice(0, 8)}`;
      const envelope = JSON.parse(messageEnvelope(eventId, { type: 'message', channel, channel_type: 'channel', user: ids['eng01'], text: 'stored, then unlinked', ts: '1796000000.000100' })) as Record<string, unknown>;
      await queryRows(database.url, `INSERT INTO slack_connector.inbound_events (event_id, org_id, connection_id, team_id, body) VALUES ($1, $2, $3, $4, $5::jsonb)`, [
        eventId,
        ORG,
        connectionId,
        creds.teamId,
        JSON.stringify(envelope),
      ]);
      const handled = await waitFor('the stored event handled', async () => {
        const [row] = await queryRows<{ outcome: string | null; body: unknown }>(database.url, 'SELECT outcome, body FROM slack_connector.inbound_events WHERE event_id = $1', [eventId]);
        return row?.outcome ? row : undefined;
      });
      expect(handled).toEqual({ outcome: 'ignored: channel not linked', body: null });
      expect(receivedFor(channel)).toEqual([]);
    });

    it("reconciles a post as the person in a linked channel: the app reads it back (a person's consent reads no channel), not posted twice", async () => {
      const channel = newChannel('person-reconcile', ['eng01']);
      await changeLink(channel);
      // Frances is in the channel from an earlier message (the app added her).
      expect(await deliver(channelRequest(channel, { body: { format: 'slack-mrkdwn', content: 'an earlier message' } }))).toMatchObject({ outcome: 'delivered', voice: 'person' });
      const r = channelRequest(channel, { body: { format: 'slack-mrkdwn', content: 'posted before the crash' } });
      const earlier = await userClient(frances.token).chat.postMessage({
        channel,
        text: 'posted before the crash',
        metadata: { event_type: 'parley_delivery', event_payload: { delivery_id: r.deliveryId } },
      });
      await crashedAfterPosting(r.deliveryId, channel, 'person');
      const outcome = await deliver(r);
      expect(outcome).toMatchObject({ outcome: 'delivered', voice: 'person', platformMessageId: earlier.ts });
      expect(messagesOf(channel).filter((m) => m.metadata?.event_payload?.['delivery_id'] === r.deliveryId)).toHaveLength(1);
    });

    it("reconciles a fallback in the channel: the app's earlier post with the delivery id is taken, not posted twice", async () => {
      const channel = newChannel('fallback-reconcile', ['eng01']);
      await changeLink(channel);
      const r = channelRequest(channel, { senderPersonId: grace.personId, senderDisplayName: 'Grace Hopper', body: { format: 'slack-mrkdwn', content: 'posted before the crash' } });
      const earlier = await userClient(creds.botToken).chat.postMessage({
        channel,
        text: 'posted before the crash',
        username: 'Grace Hopper',
        metadata: { event_type: 'parley_delivery', event_payload: { delivery_id: r.deliveryId } },
      });
      await crashedAfterPosting(r.deliveryId, channel, 'fallback');
      const outcome = await deliver(r);
      expect(outcome).toMatchObject({ outcome: 'delivered', voice: 'fallback', platformMessageId: earlier.ts, fallbackPosts: [{ conversationId: channel, platformMessageId: earlier.ts }] });
      expect(messagesOf(channel).filter((m) => m.metadata?.event_payload?.['delivery_id'] === r.deliveryId)).toHaveLength(1);
    });
  });

  describe('deliveries', () => {
    const request = (overrides: Partial<Request>): Request => ({
      orgId: ORG,
      connectionId,
      deliveryId: randomUUID(),
      target: { kind: 'open', conversationKind: 'dm', memberPlatformUserIds: [ids[frances.name] as string, ids['eng01'] as string] },
      change: 'create',
      senderPersonId: frances.personId,
      senderDisplayName: 'Frances Hopper',
      senderAvatarUrl: 'https://avatars.example.com/frances.png',
      recipientPlatformUserIds: [ids['eng01'] as string],
      body: { format: 'slack-mrkdwn', content: 'hello from Teams' },
      ...overrides,
    });
    const history = async (token: string, channel: string) =>
      ((await userClient(token).conversations.history({ channel, include_all_metadata: true, limit: 200 })).messages ?? []) as HistoryMessage[];
    let dm = '';

    it('opens the DM and posts as the person (their user token), with the delivery id in the metadata; its echo is not relayed', async () => {
      const r = request({});
      const outcome = await deliver(r);
      expect(outcome).toMatchObject({ outcome: 'delivered', voice: 'person', conversation: { platform: 'slack' } });
      dm = outcome.conversation.conversationId;
      expect(dm).toBe(sandbox.control.open({ as: 'eng01', with: [frances.name] }).id);
      // Read back as the people themselves.
      const seenByAda = (await history(creds.botToken, dm).catch(() => undefined)) ?? [];
      expect(seenByAda).toEqual([]);
      const mine = (await history(frances.token, dm)).find((m) => m.ts === outcome.platformMessageId);
      expect(mine).toMatchObject({ user: ids[frances.name], text: 'hello from Teams', metadata: { event_type: 'parley_delivery', event_payload: { delivery_id: r.deliveryId } } });
      expect(mine?.bot_id).toBeUndefined();
      await settle();
      expect(receivedFor(dm).filter((m) => m.messageId === outcome.platformMessageId)).toHaveLength(0);
    });

    it('replies in a thread, edits and deletes as the person; none of it comes back as an event', async () => {
      const parent = sandbox.control.post({ as: 'eng01', channel: dm, text: 'question?' })['ts'] as string;
      const reply = await deliver(request({ target: { kind: 'existing', conversationId: dm }, threadRootId: parent, body: { format: 'slack-mrkdwn', content: 'answer' } }));
      const replies = ((await userClient(frances.token).conversations.replies({ channel: dm, ts: parent })).messages ?? []) as HistoryMessage[];
      expect(replies.find((m) => m.ts === reply.platformMessageId)).toMatchObject({ user: ids[frances.name], text: 'answer', thread_ts: parent });
      const ts = reply.platformMessageId as string;
      const edit = await deliver(request({ target: { kind: 'existing', conversationId: dm }, change: 'edit', targetMessageId: ts, body: { format: 'slack-mrkdwn', content: 'answer (edited)' } }));
      expect(edit).toMatchObject({ outcome: 'delivered', platformMessageId: ts });
      const edited = ((await userClient(frances.token).conversations.replies({ channel: dm, ts: parent })).messages ?? []) as HistoryMessage[];
      expect(edited.find((m) => m.ts === ts)?.text).toBe('answer (edited)');
      const removal = await deliver(request({ target: { kind: 'existing', conversationId: dm }, change: 'delete', targetMessageId: ts, body: undefined }));
      expect(removal).toMatchObject({ outcome: 'delivered', voice: 'person' });
      const after = ((await userClient(frances.token).conversations.replies({ channel: dm, ts: parent })).messages ?? []) as HistoryMessage[];
      expect(after.find((m) => m.ts === ts)).toBeUndefined();
      await settle();
      expect(receivedFor(dm).filter((m) => m.messageId === ts)).toHaveLength(0);
      expect(receivedFor(dm).filter((m) => m.messageId === parent)).toHaveLength(1);
    });

    it('drops the echo of a post whose event overtakes the answer to the post call', async () => {
      // Slack's answer is slow on its way back: the message event reaches the connector while chat.postMessage is
      // still in flight.
      sandbox.setFaults({ answerDelayMs: 500 });
      let outcome: Delivered;
      try {
        outcome = await deliver(request({ target: { kind: 'existing', conversationId: dm }, body: { format: 'slack-mrkdwn', content: 'racing my echo' } }));
      } finally {
        sandbox.setFaults({});
      }
      await settle();
      const events = sandbox.inspect.events({ type: 'message' }).filter((d) => (d.envelope as { event?: { ts?: string } }).event?.ts === outcome.platformMessageId);
      expect(events.length).toBeGreaterThan(0);
      expect(receivedFor(dm).filter((m) => m.messageId === outcome.platformMessageId)).toHaveLength(0);
    });

    it('answers a request for a delivery it already finished with the recorded outcome, posting nothing (the relay asks again, ADR 0029)', async () => {
      const r = request({ target: { kind: 'existing', conversationId: dm }, body: { format: 'slack-mrkdwn', content: 'asked twice' } });
      const first = await deliver(r);
      await observer.publish('parley.slack.message.deliver.requested.v1', r);
      const both = await waitFor('the outcome published again', () => {
        const seen = delivered.filter((d) => d.deliveryId === r.deliveryId);
        return seen.length >= 2 ? seen : undefined;
      });
      const { deliveredAt: _first, ...firstOutcome } = first;
      const { deliveredAt: _again, ...againOutcome } = both[1] as Delivered;
      expect(againOutcome).toEqual(firstOutcome);
      expect((await history(frances.token, dm)).filter((m) => m.metadata?.event_payload?.['delivery_id'] === r.deliveryId)).toHaveLength(1);
    });

    it('does not hold up a person writing in the DM while Parley is posting there as someone else', async () => {
      // Parley's post as Frances is in flight (Slack is slow to take it: nothing is posted yet, so no echo is on its
      // way); Ada writes meanwhile. Her event cannot be Parley's echo (Parley posts there as Frances only), so it goes
      // to the relay without waiting for that post to be recorded.
      sandbox.setFaults({ latencyMs: 5_000 });
      const r = request({ target: { kind: 'existing', conversationId: dm }, body: { format: 'slack-mrkdwn', content: 'slow to post' } });
      try {
        await observer.publish('parley.slack.message.deliver.requested.v1', r);
        await waitFor('the post in flight', async () =>
          (await queryRows<{ n: number }>(database.url, `SELECT count(*)::int AS n FROM slack_connector.deliveries WHERE delivery_id = $1 AND state = 'attempting'`, [r.deliveryId]))[0]?.n === 1,
        );
        const adas = sandbox.control.post({ as: 'eng01', channel: dm, text: 'are you there?' })['ts'] as string;
        await waitFor("Ada's message published", () => receivedFor(dm).some((m) => m.messageId === adas), 30_000);
        expect(delivered.find((d) => d.deliveryId === r.deliveryId)).toBeUndefined();
      } finally {
        sandbox.setFaults({});
      }
      const outcome = await waitFor(`delivery ${r.deliveryId}`, () => delivered.find((d) => d.deliveryId === r.deliveryId), 30_000);
      await settle();
      expect(receivedFor(dm).filter((m) => m.messageId === outcome.platformMessageId)).toHaveLength(0);
    });

    it("fails with Slack's own code when Slack refuses", async () => {
      const adas = sandbox.control.post({ as: 'eng01', channel: dm, text: 'mine' })['ts'] as string;
      const refused = await deliver(request({ target: { kind: 'existing', conversationId: dm }, change: 'edit', targetMessageId: adas, body: { format: 'slack-mrkdwn', content: 'x' } }));
      expect(refused).toMatchObject({ outcome: 'failed', reason: 'cant_update_message' });
      const long = await deliver(request({ target: { kind: 'existing', conversationId: dm }, body: { format: 'slack-mrkdwn', content: 'a'.repeat(40_001) } }));
      expect(long).toMatchObject({ outcome: 'failed', reason: 'msg_too_long' });
    });

    it('waits out 429s and delivers', async () => {
      const before = sandbox.inspect.requests().filter((q) => q.status === 429).length;
      sandbox.setFaults({ rateLimitBurst: 4 });
      try {
        const outcome = await deliver(request({ target: { kind: 'existing', conversationId: dm }, body: { format: 'slack-mrkdwn', content: 'after the storm' } }));
        expect(outcome).toMatchObject({ outcome: 'delivered', voice: 'person' });
        expect((await history(frances.token, dm)).filter((m) => m.text === 'after the storm')).toHaveLength(1);
      } finally {
        sandbox.setFaults({});
      }
      expect(sandbox.inspect.requests().filter((q) => q.status === 429).length).toBeGreaterThan(before);
    });

    it('reconciles: an earlier attempt that posted without recording it is found, not posted twice', async () => {
      const r = request({ target: { kind: 'existing', conversationId: dm }, body: { format: 'slack-mrkdwn', content: 'posted before the crash' } });
      // What a crash between Slack's answer and our commit leaves: the post exists, the attempt is recorded, no outcome.
      const earlier = await userClient(frances.token).chat.postMessage({
        channel: dm,
        text: 'posted before the crash',
        metadata: { event_type: 'parley_delivery', event_payload: { delivery_id: r.deliveryId } },
      });
      await crashedAfterPosting(r.deliveryId, dm, 'person');
      const outcome = await deliver(r);
      expect(outcome).toMatchObject({ outcome: 'delivered', platformMessageId: earlier.ts });
      expect((await history(frances.token, dm)).filter((m) => m.metadata?.event_payload?.['delivery_id'] === r.deliveryId)).toHaveLength(1);
    });

    it("falls back for a person without consent: the app posts with their name and picture in the recipient's DM with the app", async () => {
      const r = request({
        senderPersonId: grace.personId,
        senderDisplayName: 'Grace Hopper',
        senderAvatarUrl: 'https://avatars.example.com/grace.png',
        target: { kind: 'open', conversationKind: 'dm', memberPlatformUserIds: [ids[grace.name] as string, ids['eng01'] as string] },
        body: { format: 'slack-mrkdwn', content: 'from Grace' },
      });
      const outcome = await deliver(r);
      expect(outcome).toMatchObject({ outcome: 'delivered', voice: 'fallback', fallbackPosts: [expect.objectContaining({ platformMessageId: expect.any(String) })] });
      const post = outcome.fallbackPosts?.[0];
      const appDm = (await userClient(creds.botToken).conversations.open({ users: ids['eng01'] as string })).channel?.id;
      expect(post?.conversationId).toBe(appDm);
      // Nothing was opened for the twin: the outcome names the real conversation the app posted in, and the post's ts.
      expect(outcome).toMatchObject({ conversation: { platform: 'slack', conversationId: appDm }, platformMessageId: post?.platformMessageId });
      const seen = (await history(creds.botToken, appDm as string)).find((m) => m.ts === post?.platformMessageId);
      expect(seen).toMatchObject({ text: 'from Grace', username: 'Grace Hopper', bot_id: expect.any(String) });
      // The relay keeps the twin unopened, so the next message, the edit and the delete come with the open target
      // and land in the same app DM.
      const next = await deliver(request({ senderPersonId: grace.personId, target: r.target, body: { format: 'slack-mrkdwn', content: 'from Grace again' } }));
      expect(next).toMatchObject({ outcome: 'delivered', voice: 'fallback', conversation: { conversationId: appDm }, fallbackPosts: [{ conversationId: appDm }] });
      const lastEdit = request({ senderPersonId: grace.personId, target: r.target, change: 'edit', targetMessageId: post?.platformMessageId, body: { format: 'slack-mrkdwn', content: 'from Grace (edited)' } });
      const edit = await deliver(lastEdit);
      expect(edit).toMatchObject({ outcome: 'delivered', voice: 'fallback', conversation: { conversationId: appDm }, platformMessageId: post?.platformMessageId });
      expect((await history(creds.botToken, appDm as string)).find((m) => m.ts === post?.platformMessageId)?.text).toBe('from Grace (edited)');
      // Asked again, the edit's outcome names the same app DM and posts (never the DM as the twin's side).
      const editAgain = delivered.length;
      await observer.publish('parley.slack.message.deliver.requested.v1', request({ ...lastEdit, deliveryId: edit.deliveryId }));
      const again = await waitFor('the edit outcome again', () => delivered.slice(editAgain).find((d) => d.deliveryId === edit.deliveryId));
      expect(again).toMatchObject({ outcome: 'delivered', voice: 'fallback', conversation: { conversationId: appDm }, fallbackPosts: edit.fallbackPosts });
      const removal = await deliver(request({ senderPersonId: grace.personId, target: r.target, change: 'delete', targetMessageId: next.platformMessageId, body: undefined }));
      expect(removal).toMatchObject({ outcome: 'delivered', voice: 'fallback', conversation: { conversationId: appDm } });
      const left = (await history(creds.botToken, appDm as string)).filter((m) => m.username === 'Grace Hopper').map((m) => m.text);
      expect(left).toEqual(['from Grace (edited)']);
    });

    it('posts a notice once per noticeId in the app DM, its text escaped', async () => {
      const notice: PayloadIn<'parley.slack.notice.requested.v1'> = {
        orgId: ORG,
        connectionId,
        noticeId: randomUUID(),
        recipientPersonId: randomUUID(),
        recipientPlatformUserId: ids['eng02'] as string,
        reason: 'recipients-unreached',
        text: 'Sales did not get it <!channel> <@' + ids['eng03'] + '>',
        requestedAt: new Date().toISOString(),
      };
      await observer.publish('parley.slack.notice.requested.v1', notice);
      await observer.publish('parley.slack.notice.requested.v1', notice);
      const appDm = (await userClient(creds.botToken).conversations.open({ users: ids['eng02'] as string })).channel?.id as string;
      const posts = await waitFor('the notice', async () => {
        await settle();
        const found = (await history(creds.botToken, appDm)).filter((m) => m.metadata?.event_payload?.['notice_id'] === notice.noticeId);
        return found.length > 0 ? found : undefined;
      });
      expect(posts).toHaveLength(1);
      expect(posts[0]?.text).toBe(`Sales did not get it &lt;!channel&gt; &lt;@${ids['eng03']}&gt;`);
    });

    it("falls back when Slack refuses the person's token", async () => {
      sandbox.control.revokeToken(frances.token);
      const outcome = await deliver(request({ target: { kind: 'existing', conversationId: dm }, body: { format: 'slack-mrkdwn', content: 'token gone' } }));
      expect(outcome).toMatchObject({ outcome: 'delivered', voice: 'fallback', conversation: { conversationId: dm } });
      expect(outcome.fallbackPosts).toHaveLength(1);
    });
  });

  describe('deliveries with files (ADR 0039, 0040)', () => {
    type FilesRequest = PayloadIn<'parley.slack.message.deliver.requested.v2'>;
    type Shared = HistoryMessage & { files?: Array<{ id: string; name: string; mimetype: string; size: number }> };
    const teamsConnection = randomUUID();
    const png = { ref: 'hosted-img-1', name: 'image.png', mimeType: 'image/png', sizeBytes: PNG.length, kind: 'image' as const };
    const pdf = { ref: 'onedrive-doc-1', name: 'plan.pdf', mimeType: 'application/pdf', sizeBytes: 19, kind: 'file' as const };
    const gone = { ref: 'deleted-on-teams', name: 'old.docx', mimeType: 'application/octet-stream', sizeBytes: 10, kind: 'file' as const };
    /** A consented person of their own (an earlier test revoked Frances' token). */
    const hedy = { personId: randomUUID(), name: 'hedy', id: '', token: '' };
    beforeAll(() => {
      hedy.id = sandbox.control.addPerson({ name: hedy.name, email: 'hedy@relay.example', realName: 'Hedy Lamarr' })['id'] as string;
      hedy.token = sandbox.control.installForUser({ as: hedy.name, userScopes: USER_SCOPES });
      identity.consent(hedy.personId, hedy.id, hedy.token);
    });
    const request = (overrides: Partial<FilesRequest>): FilesRequest => ({
      orgId: ORG,
      connectionId,
      deliveryId: randomUUID(),
      target: { kind: 'open', conversationKind: 'dm', memberPlatformUserIds: [hedy.id, ids['eng01'] as string] },
      change: 'create',
      senderPersonId: hedy.personId,
      senderDisplayName: 'Hedy Lamarr',
      senderAvatarUrl: 'https://avatars.example.com/hedy.png',
      recipientPlatformUserIds: [ids['eng01'] as string],
      body: { format: 'slack-mrkdwn', content: 'the *plans*' },
      files: [png, pdf],
      filesFrom: { platform: 'teams', connectionId: teamsConnection },
      ...overrides,
    });
    const deliverWithFiles = async (r: FilesRequest): Promise<DeliveredWithFiles> => {
      await observer.publish('parley.slack.message.deliver.requested.v2', r);
      return waitFor(`delivery ${r.deliveryId}`, () => deliveredWithFiles.find((d) => d.deliveryId === r.deliveryId));
    };
    const messagesOf = (channel: string) => sandbox.inspect.messages(channel) as unknown as Shared[];
    const membersOf = (channel: string) => (sandbox.inspect.channels().find((c) => c['id'] === channel)?.['members'] ?? []) as string[];
    const bytesOf = (fileId: string) => sandbox.state.files.get(fileId)?.bytes;

    it('uploads the files as the sender into the DM thread, the text as their comment, answering v2; its echo is not relayed', async () => {
      const dm = sandbox.control.open({ as: 'eng01', with: [hedy.name] }).id;
      const root = sandbox.control.post({ as: 'eng01', channel: dm, text: 'send me the plans' })['ts'] as string;
      const outcome = await deliverWithFiles(request({ target: { kind: 'existing', conversationId: dm }, threadRootId: root }));
      expect(outcome).toMatchObject({ outcome: 'delivered', voice: 'person', conversation: { platform: 'slack', conversationId: dm } });
      expect(outcome.filesNotCarried).toBeUndefined();
      const shared = messagesOf(dm).find((m) => m.ts === outcome.platformMessageId);
      // In the conversation, in the thread, from the sender, as one message with both files.
      expect(shared).toMatchObject({ subtype: 'file_share', user: hedy.id, text: 'the *plans*', thread_ts: root });
      expect(shared?.bot_id).toBeUndefined();
      expect(shared?.files?.map((f) => [f.name, f.mimetype, f.size])).toEqual([['image.png', 'image/png', PNG.length], ['plan.pdf', 'application/pdf', 19]]);
      expect(bytesOf(shared?.files?.[0]?.id as string)?.equals(PNG)).toBe(true);
      expect(bytesOf(shared?.files?.[1]?.id as string)?.toString()).toBe('%PDF-1.4 from Teams');
      await settle();
      expect(receivedFor(dm).filter((m) => m.messageId === outcome.platformMessageId)).toHaveLength(0);
      expect(delivered.find((d) => d.deliveryId === outcome.deliveryId)).toBeUndefined();
    });

    it('posts the rest when a file is gone from Teams, naming it in filesNotCarried; text alone when none is left', async () => {
      const outcome = await deliverWithFiles(request({ files: [gone, pdf] }));
      expect(outcome).toMatchObject({ outcome: 'delivered', voice: 'person', filesNotCarried: [{ ref: gone.ref, reason: expect.stringContaining('no longer on Teams') }] });
      const dm = outcome.conversation.conversationId;
      expect(messagesOf(dm).find((m) => m.ts === outcome.platformMessageId)?.files?.map((f) => f.name)).toEqual(['plan.pdf']);
      const none = await deliverWithFiles(request({ files: [gone] }));
      expect(none).toMatchObject({ outcome: 'delivered', filesNotCarried: [{ ref: gone.ref }] });
      const textOnly = messagesOf(dm).find((m) => m.ts === none.platformMessageId);
      expect(textOnly).toMatchObject({ user: hedy.id, text: 'the *plans*', metadata: { event_payload: { delivery_id: none.deliveryId } } });
      expect(textOnly?.files).toBeUndefined();
    });

    it("falls back in a linked channel: the app uploads in the thread, the sender's name in the comment", async () => {
      const channel = sandbox.control.createChannel({ name: 'files-fallback', members: ['eng01'] })['id'] as string;
      await changeLink(channel);
      const root = sandbox.control.post({ as: 'eng01', channel, text: 'screenshots please' })['ts'] as string;
      const outcome = await deliverWithFiles(
        request({ target: { kind: 'existing', conversationId: channel }, recipientPlatformUserIds: [], threadRootId: root, senderPersonId: grace.personId, senderDisplayName: 'Grace <Hopper>', files: [png] }),
      );
      expect(outcome).toMatchObject({ outcome: 'delivered', voice: 'fallback', conversation: { conversationId: channel }, fallbackPosts: [{ conversationId: channel, platformMessageId: outcome.platformMessageId }] });
      expect(messagesOf(channel).find((m) => m.ts === outcome.platformMessageId)).toMatchObject({ bot_id: creds.botId, thread_ts: root, text: '*Grace &lt;Hopper&gt;*: the *plans*', files: [expect.objectContaining({ name: 'image.png' })] });
      await settle();
      expect(receivedFor(channel).filter((m) => m.messageId === outcome.platformMessageId)).toEqual([]);
    });

    it("falls back in the recipient's DM with the app for a sender without consent: the app uploads, naming them", async () => {
      const outcome = await deliverWithFiles(request({ senderPersonId: grace.personId, senderDisplayName: 'Grace Hopper', target: { kind: 'open', conversationKind: 'dm', memberPlatformUserIds: [ids[grace.name] as string, ids['eng01'] as string] }, files: [png] }));
      expect(outcome).toMatchObject({ outcome: 'delivered', voice: 'fallback', fallbackPosts: [{ platformMessageId: outcome.platformMessageId }] });
      const appDm = outcome.fallbackPosts?.[0]?.conversationId as string;
      expect(membersOf(appDm).sort()).toEqual([creds.botUserId, ids['eng01']].sort());
      expect(messagesOf(appDm).find((m) => m.ts === outcome.platformMessageId)).toMatchObject({ bot_id: creds.botId, text: '*Grace Hopper*: the *plans*', files: [expect.objectContaining({ name: 'image.png' })] });
    });

    it("reads back a share Slack makes after answering (asynchronously): the delivery's ts is the share's", async () => {
      sandbox.setFaults({ shareDelayMs: 400 });
      let outcome: DeliveredWithFiles;
      try {
        outcome = await deliverWithFiles(request({ files: [pdf] }));
      } finally {
        sandbox.setFaults({});
      }
      expect(outcome).toMatchObject({ outcome: 'delivered', voice: 'person', platformMessageId: expect.any(String) });
      const dm = outcome.conversation.conversationId;
      expect(messagesOf(dm).find((m) => m.ts === outcome.platformMessageId)).toMatchObject({ user: hedy.id, files: [expect.objectContaining({ name: 'plan.pdf' })] });
      await settle();
      expect(receivedFor(dm).filter((m) => m.messageId === outcome.platformMessageId)).toEqual([]);
    });

    it('reconciles: an attempt that shared the files but crashed before recording it is found by its upload, not shared twice', async () => {
      const dm = sandbox.control.open({ as: 'eng01', with: [hedy.name] }).id;
      const r = request({ target: { kind: 'existing', conversationId: dm } });
      // The earlier attempt: recorded as attempting with its upload's file id, and the share made on Slack.
      const upload = (await userClient(hedy.token).filesUploadV2({ channel_id: dm, file: PNG, filename: 'image.png', initial_comment: 'the *plans*' })) as unknown as { files: Array<{ files: Array<{ id: string }> }> };
      const fileId = upload.files[0]?.files[0]?.id as string;
      await queryRows(
        database.url,
        `INSERT INTO slack_connector.deliveries (delivery_id, org_id, connection_id, team_id, change, channel_id, voice, poster, state, attempts, last_attempt_at, uploads)
         VALUES ($1, $2, $3, $4, 'create', $5, 'person', $6, 'attempting', 1, now(), $7::jsonb)`,
        [r.deliveryId, ORG, connectionId, creds.teamId, dm, hedy.id, JSON.stringify({ [dm]: [fileId] })],
      );
      const readsBefore = teamsFiles.reads.get(png.ref) ?? 0;
      const before = messagesOf(dm).filter((m) => m.files?.length).length;
      const outcome = await deliverWithFiles(r);
      const share = messagesOf(dm).find((m) => m.files?.some((f) => f.id === fileId));
      expect(outcome).toMatchObject({ outcome: 'delivered', voice: 'person', platformMessageId: share?.ts });
      expect(messagesOf(dm).filter((m) => m.files?.length)).toHaveLength(before);
      expect(teamsFiles.reads.get(png.ref) ?? 0).toBe(readsBefore);
      // Asked again once finished: the recorded outcome, nothing posted.
      deliveredWithFiles.splice(deliveredWithFiles.findIndex((d) => d.deliveryId === r.deliveryId), 1);
      expect(await deliverWithFiles(r)).toMatchObject({ outcome: 'delivered', platformMessageId: share?.ts });
      expect(messagesOf(dm).filter((m) => m.files?.length)).toHaveLength(before);
    });
  });
});

import { randomBytes, randomUUID } from 'node:crypto';
import pino from 'pino';
import { loadConfig } from '@parley/config';
import type { Payload, PayloadIn } from '@parley/contracts';
import { createIdentityService, identityService } from '@parley/identity-feature';
import { conversationPage, relayedMessagePage, resolvedPeople } from '@parley/internal-api';
import { InProcessBroker, InProcessBus } from '@parley/messaging';
import { relayConfigSection, relayService } from '@parley/relay-feature';
import { createFreshDatabase, integrationEnv, queryRows, type FreshDatabase } from '@parley/testing';
import { startServiceInProcess, type InProcessService } from '@parley/testing-in-process';

type Deliver = Payload<'parley.teams.message.deliver.requested.v1'>;

const INTERNAL_TOKEN = `internal_${randomBytes(24).toString('base64url')}`;
const silent = pino({ level: 'silent' });

async function eventually<T>(probe: () => Promise<T> | T, until: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (until(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: last saw ${JSON.stringify(value).slice(0, 2_000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// relay and the real identity in-process on PostgreSQL, the test standing in for a connector that never answers:
// the lane's delivery in flight is requested again after its wait, then failed with a reason the admin reads, and the
// lane moves on (ADR 0029). The waits are configuration, short here.
describe('relay: a delivery whose outcome never comes', () => {
  let identityDb: FreshDatabase;
  let relayDb: FreshDatabase;
  let identity: InProcessService;
  let relay: InProcessService;
  let connectors: InProcessBus;
  const delivers: Deliver[] = [];
  const notices: Payload<'parley.slack.notice.requested.v1'>[] = [];
  let orgId: string;
  let slackConnectionId: string;

  const call = async (base: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${INTERNAL_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };

  beforeAll(async () => {
    const env = integrationEnv();
    identityDb = await createFreshDatabase(env.databaseUrl, 'parley_relay_deadline_identity');
    relayDb = await createFreshDatabase(env.databaseUrl, 'parley_relay_deadline');
    const broker = new InProcessBroker(4);
    connectors = new InProcessBus(broker, { service: 'test-connectors', logger: silent });
    connectors.subscribe('parley.teams.message.deliver.requested.v1', async (payload) => void delivers.push(payload), { group: 'test-teams' });
    connectors.subscribe('parley.slack.notice.requested.v1', async (payload) => void notices.push(payload), { group: 'test-slack-notices' });
    await connectors.start();
    const identityConfig = loadConfig(identityService.configSections ?? {}, { PARLEY_VAULT_KEYS: `k1:${randomBytes(32).toString('base64')}`, PARLEY_VAULT_ACTIVE_KEY: 'k1' });
    identity = await startServiceInProcess(createIdentityService(), { databaseUrl: identityDb.url, broker, internalToken: INTERNAL_TOKEN, config: identityConfig, logger: silent });
    const relayConfig = loadConfig(
      { relay: relayConfigSection },
      { PARLEY_RELAY_OUTCOME_TIMEOUT_MS: '1000', PARLEY_RELAY_DELIVERY_ATTEMPTS: '2', PARLEY_RELAY_DEADLINE_SWEEP_MS: '50' },
    );
    relay = await startServiceInProcess(relayService, { databaseUrl: relayDb.url, broker, internalToken: INTERNAL_TOKEN, peers: { identity: identity.url }, config: relayConfig, logger: silent });

    orgId = ((await call(identity.url, 'POST', '/internal/orgs', { name: 'Relay deadlines' })).body as { id: string }).id;
    slackConnectionId = ((await call(identity.url, 'POST', `/internal/orgs/${orgId}/connections`, slackConnection())).body as { id: string }).id;
    await call(identity.url, 'POST', `/internal/orgs/${orgId}/connections`, teamsConnection());
    const observe = (platform: 'slack' | 'teams', platformUserId: string, email: string, realName: string) =>
      identity.bus.publish('parley.directory.user.observed.v1', { orgId, platform, platformUserId, email, displayName: realName, realName, isBot: false, isDeactivated: false, observedAt: new Date().toISOString() });
    await observe('slack', 'U0ADA', 'ada@example.com', 'Ada Lovelace');
    await observe('teams', 'aad-frances', 'frances@example.com', 'Frances Allen');
    const resolve = async (platform: 'slack' | 'teams', ids: string[]) =>
      resolvedPeople.parse((await call(identity.url, 'POST', `/internal/orgs/${orgId}/people/resolve`, { platform, platformUserIds: ids })).body);
    const ada = (await eventually(() => resolve('slack', ['U0ADA']), (r) => r.items.length === 1, 'ada')).items[0]?.person.id as string;
    const frances = (await eventually(() => resolve('teams', ['aad-frances']), (r) => r.items.length === 1, 'frances')).items[0]?.person.id as string;
    await identity.bus.publish('parley.teams.guest.created.v1', {
      orgId,
      syncId: randomUUID(),
      personId: ada,
      guestUserId: 'aad-ada-guest',
      userPrincipalName: 'aad-ada-guest#EXT#@customer.onmicrosoft.com',
      homeUserPrincipalName: 'aad-ada-guest@home.onmicrosoft.com',
      teamIds: ['team-1'],
      reused: false,
      signIn: { status: 'ok' },
    });
    await identity.bus.publish('parley.slack.mirror.created.v1', { orgId, syncId: randomUUID(), personId: frances, kind: 'scim', mirrorId: 'W0FRA', reused: false });
    await eventually(() => resolve('teams', ['aad-ada-guest']), (r) => r.items.length === 1, 'guest');
    await eventually(() => resolve('slack', ['W0FRA']), (r) => r.items.length === 1, 'mirror');
  }, 180_000);

  afterAll(async () => {
    await relay?.stop();
    await identity?.stop();
    await connectors?.stop();
    await relayDb?.drop();
    await identityDb?.drop();
  });

  let eventCounter = 0;
  const dm = { platform: 'slack' as const, conversationId: 'D0ADAFRA', kind: 'dm' as const, members: ['U0ADA', 'W0FRA'] };
  const received = (messageId: string, content: string) =>
    connectors.publish('parley.message.received.v1', {
      orgId,
      connectionId: slackConnectionId,
      conversation: dm,
      change: 'created',
      messageId,
      senderPlatformUserId: 'U0ADA',
      body: { format: 'slack-mrkdwn', content },
      platformEventId: `Ev${++eventCounter}`,
      occurredAt: new Date().toISOString(),
    });
  const delivered = (d: Deliver, fields: Partial<PayloadIn<'parley.message.delivered.v1'>> = {}) =>
    connectors.publish('parley.message.delivered.v1', {
      orgId,
      deliveryId: d.deliveryId,
      conversation: { platform: 'teams', conversationId: '19:adafra@unq.gbl.spaces' },
      outcome: 'delivered',
      voice: 'person',
      deliveredAt: new Date().toISOString(),
      ...fields,
    });
  const messages = async () => {
    const twin = conversationPage.parse((await call(relay.url, 'GET', `/internal/orgs/${orgId}/conversations`)).body).items[0];
    return relayedMessagePage.parse((await call(relay.url, 'GET', `/internal/orgs/${orgId}/conversations/${twin?.id}/messages`)).body).items;
  };

  it('requests the delivery again with the same id, then fails it with a reason, tells the sender and moves the lane on', async () => {
    await received('100.1', 'first, never answered');
    await received('100.2', 'second');
    const first = await eventually(() => delivers, (d) => d.length >= 1, 'the first request');
    // No outcome: the same request comes again, the same delivery id and body, after the wait.
    const again = await eventually(() => delivers, (d) => d.length >= 2, 'the request sent again');
    expect(again[1]).toEqual(first[0]);
    // After the last request's wait the delivery fails, the sender hears why, and the lane sends the next message.
    const third = await eventually(() => delivers, (d) => d.length >= 3, 'the next delivery of the lane');
    // Answered at once (had it waited longer than the short wait here, it would have been requested again, harmlessly).
    await delivered(third[2] as Deliver, { platformMessageId: 'T-2' });
    expect(third[2]).toMatchObject({ change: 'create', body: { content: 'second' }, target: { kind: 'open' } });
    expect(third[2]?.deliveryId).not.toBe(first[0]?.deliveryId);
    const reason = /^no outcome from teams-connector after 2 requests over about 2 s; the relay stopped waiting/;
    const view = await messages();
    expect(view.map((m) => m.source.messageId)).toEqual(['100.2', '100.1']);
    expect(view[1]).toMatchObject({ state: 'failed', reason: expect.stringMatching(reason) });
    await eventually(() => notices, (n) => n.length >= 1, 'the notice to the sender');
    expect(notices[0]).toMatchObject({ noticeId: first[0]?.deliveryId, recipientPlatformUserId: 'U0ADA', reason: 'delivery-failed', text: expect.stringMatching(/^Your message did not reach Teams: no outcome from teams-connector/) });

    await eventually(async () => (await messages())[0]?.state, (s) => s === 'delivered', 'the second message delivered');
    // A late outcome of the one given up on is still recorded.
    await delivered(first[0] as Deliver, { platformMessageId: 'T-1' });
    const late = await eventually(() => messages(), (m) => m[1]?.state === 'delivered', 'the late outcome');
    expect(late[1]?.targetMessageIds).toEqual(['T-1']);
    await relay.broker.drain();
    // The one never answered was requested exactly as often as configured, and nothing else was sent.
    expect(delivers.filter((d) => d.deliveryId === first[0]?.deliveryId)).toHaveLength(2);
    expect(new Set(delivers.map((d) => d.deliveryId))).toEqual(new Set([first[0]?.deliveryId, third[2]?.deliveryId]));
    // Nothing of what was said stays once the outcomes are in.
    expect(await queryRows(relayDb.url, `SELECT delivery_id FROM relay.delivery_queue`)).toEqual([]);

    // The relay's /metrics: deliveries by direction, outcome and kind, and the end-to-end time from the platform
    // event (occurredAt) to each outcome; no ids in any label. The late outcome is not counted again.
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    const series = metrics
      .split('\n')
      .map((line) => /^(parley_relay_\w+)\{([^}]*)\} (\S+)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map(([, name, labels, value]) => ({ name, labels: Object.fromEntries([...(labels ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]])), value: Number(value) }));
    const value = (name: string, labels: Record<string, string>) =>
      series.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).map((s) => s.value);
    expect(series.filter((s) => s.name === 'parley_relay_deliveries_total').map((s) => [s.labels['direction'], s.labels['outcome'], s.labels['kind'], s.value]).sort()).toEqual([
      ['slack_to_teams', 'delivered', 'create', 1],
      ['slack_to_teams', 'timed_out', 'create', 1],
    ]);
    expect(value('parley_relay_end_to_end_seconds_count', { direction: 'slack_to_teams', outcome: 'timed_out' })).toEqual([1]);
    expect(value('parley_relay_end_to_end_seconds_count', { direction: 'slack_to_teams', outcome: 'delivered' })).toEqual([1]);
    // Given up after two requests of a second each, counted from the Slack event.
    expect(value('parley_relay_end_to_end_seconds_sum', { direction: 'slack_to_teams', outcome: 'timed_out' })[0]).toBeGreaterThanOrEqual(2);
    const labelNames = new Set(series.flatMap((s) => Object.keys(s.labels)));
    expect([...labelNames].sort()).toEqual(['direction', 'kind', 'le', 'outcome', 'service']);
  });
});

function slackConnection() {
  return {
    platform: 'slack',
    settings: { platform: 'slack', teamId: `T${randomBytes(4).toString('hex')}`, teamName: 'Demo', botUserId: 'U0PARLEY', apiUrl: 'http://127.0.0.1:1/api/', scimUrl: 'http://127.0.0.1:1/scim/v2', scim: true, scopes: ['chat:write'] },
    secrets: { botToken: 'xoxb-test-relay', signingSecret: 'signing-secret-0123' },
  };
}

function teamsConnection() {
  return {
    platform: 'teams',
    settings: {
      platform: 'teams',
      tenantId: randomUUID(),
      clientId: randomUUID(),
      homeTenantId: randomUUID(),
      homeTenantDomain: 'home.onmicrosoft.com',
      teamIds: ['team-1'],
      teamOwnerUsername: 'owner@customer.onmicrosoft.com',
      authorityUrl: 'http://127.0.0.1:1',
      graphUrl: 'http://127.0.0.1:1/v1.0',
    },
    secrets: { clientSecret: 'client-secret-0123', teamOwnerPassword: 'owner-password-0123' },
  };
}

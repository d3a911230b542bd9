import { randomBytes, randomUUID } from 'node:crypto';
import pino from 'pino';
import { loadConfig } from '@parley/config';
import type { Payload, PayloadIn } from '@parley/contracts';
import { createIdentityService, identityService } from '@parley/identity-feature';
import { conversationPage, relayedMessagePage, resolvedPeople, type ConversationPage, type RelayedMessagePage } from '@parley/internal-api';
import { InProcessBroker, InProcessBus } from '@parley/messaging';
import { createFreshDatabase, integrationEnv, type FreshDatabase } from '@parley/testing';
import { startServiceInProcess, type InProcessService } from '@parley/testing-in-process';
import { relayConfigSection, relayService } from '@parley/relay-feature';

/** A deliver request as the stand-in connectors saw it, on v1 or (with files) v2. */
export type Deliver = Payload<'parley.teams.message.deliver.requested.v1'> & Partial<Pick<Payload<'parley.teams.message.deliver.requested.v2'>, 'files' | 'filesFrom'>>;
export type Seen = { topic: 'teams' | 'slack'; payload: Deliver };
type ReactionRequest = { topic: 'teams' | 'slack'; payload: Payload<'parley.teams.reaction.deliver.requested.v1'> };

export const INTERNAL_TOKEN = `internal_${randomBytes(24).toString('base64url')}`;
const logger = process.env['RELAY_TEST_LOG'] ? pino({ level: 'debug' }, pino.destination({ dest: process.env['RELAY_TEST_LOG'], sync: true })) : pino({ level: 'silent' });

export async function eventually<T>(probe: () => Promise<T> | T, until: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (until(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: last saw ${JSON.stringify(value).slice(0, 2_000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** An internal call with the bearer, its JSON answer parsed. */
export async function internalCall(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${INTERNAL_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

export interface RelayHarness {
  readonly identityDb: FreshDatabase;
  readonly relayDb: FreshDatabase;
  readonly identity: InProcessService;
  readonly relay: InProcessService;
  /** The test's stand-in for the connectors on the bus: it publishes what they would see and records what they are asked. */
  readonly connectors: InProcessBus;
  readonly delivers: Seen[];
  readonly notices: Payload<'parley.slack.notice.requested.v1'>[];
  readonly reactionRequests: ReactionRequest[];
  readonly linkChanges: Payload<'parley.channel.link.changed.v1'>[];
  readonly orgId: string;
  readonly slackConnectionId: string;
  readonly teamsConnectionId: string;
  /** Person ids of the demo's people, by their Slack or Teams user id (`U0ADA`, `aad-frances`). */
  readonly personIds: Readonly<Record<string, string>>;
  received(fields: Partial<PayloadIn<'parley.message.received.v1'>> & Pick<PayloadIn<'parley.message.received.v1'>, 'conversation' | 'messageId' | 'senderPlatformUserId'>): Promise<void>;
  /** What a connector that speaks v2 publishes (ADR 0039): a message with its files. */
  receivedV2(fields: Partial<PayloadIn<'parley.message.received.v2'>> & Pick<PayloadIn<'parley.message.received.v2'>, 'conversation' | 'messageId' | 'senderPlatformUserId'>): Promise<void>;
  delivered(d: Deliver, conversationId: string, fields?: Partial<PayloadIn<'parley.message.delivered.v1'>>): Promise<void>;
  /** The outcome of a delivery with files, naming those not carried. */
  deliveredV2(d: Deliver, conversationId: string, fields?: Partial<PayloadIn<'parley.message.delivered.v2'>>): Promise<void>;
  /** Waits until `count` deliver requests were seen in all, and that no more arrive meanwhile. */
  settle(count: number): Promise<Seen>;
  conversations(): Promise<ConversationPage>;
  messagesOf(id: string, query?: string): Promise<RelayedMessagePage>;
  stop(): Promise<void>;
}

/**
 * The relay and the real identity in-process, on real PostgreSQL with the in-process bus: the relay's logic against
 * identity's real answers, without building the services. The demo organization: Ada and Grace on Slack with Teams
 * guests, Frances on Teams with a Slack mirror, Linus on Slack with nothing on Teams.
 */
export interface RelayHarnessOptions {
  /** Stand-ins for other services the relay calls over HTTP (the connectors' channel routes). */
  readonly peers?: Readonly<Record<string, string>>;
  readonly databasePrefix?: string;
  /** The relay's own settings (`PARLEY_RELAY_*`), e.g. short outcome waits. */
  readonly relayEnv?: Readonly<Record<string, string>>;
}

export async function startRelayHarness(options: RelayHarnessOptions = {}): Promise<RelayHarness> {
  const env = integrationEnv();
  const prefix = options.databasePrefix ?? 'parley_relay';
  const identityDb = await createFreshDatabase(env.databaseUrl, `${prefix}_identity`);
  const relayDb = await createFreshDatabase(env.databaseUrl, prefix);
  const broker = new InProcessBroker(4);
  const connectors = new InProcessBus(broker, { service: 'test-connectors', logger });
  const delivers: Seen[] = [];
  const notices: Payload<'parley.slack.notice.requested.v1'>[] = [];
  const reactionRequests: ReactionRequest[] = [];
  const linkChanges: Payload<'parley.channel.link.changed.v1'>[] = [];
  connectors.subscribe('parley.teams.message.deliver.requested.v1', async (payload) => void delivers.push({ topic: 'teams', payload }), { group: 'test-teams' });
  connectors.subscribe('parley.slack.message.deliver.requested.v1', async (payload) => void delivers.push({ topic: 'slack', payload }), { group: 'test-slack' });
  connectors.subscribe('parley.teams.message.deliver.requested.v2', async (payload) => void delivers.push({ topic: 'teams', payload }), { group: 'test-teams' });
  connectors.subscribe('parley.slack.message.deliver.requested.v2', async (payload) => void delivers.push({ topic: 'slack', payload }), { group: 'test-slack' });
  connectors.subscribe('parley.slack.notice.requested.v1', async (payload) => void notices.push(payload), { group: 'test-slack-notices' });
  connectors.subscribe('parley.teams.notice.requested.v1', async (payload) => void notices.push(payload), { group: 'test-teams-notices' });
  connectors.subscribe('parley.teams.reaction.deliver.requested.v1', async (payload) => void reactionRequests.push({ topic: 'teams', payload }), { group: 'test-teams-reactions' });
  connectors.subscribe('parley.slack.reaction.deliver.requested.v1', async (payload) => void reactionRequests.push({ topic: 'slack', payload }), { group: 'test-slack-reactions' });
  connectors.subscribe('parley.channel.link.changed.v1', async (payload) => void linkChanges.push(payload), { group: 'test-link-changes' });
  await connectors.start();
  const identityConfig = loadConfig(identityService.configSections ?? {}, {
    PARLEY_VAULT_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    PARLEY_VAULT_ACTIVE_KEY: 'k1',
  });
  const identity = await startServiceInProcess(createIdentityService(), { databaseUrl: identityDb.url, broker, internalToken: INTERNAL_TOKEN, config: identityConfig, logger });
  const relay = await startServiceInProcess(relayService, {
    databaseUrl: relayDb.url,
    broker,
    internalToken: INTERNAL_TOKEN,
    peers: { identity: identity.url, ...options.peers },
    ...(options.relayEnv ? { config: loadConfig({ relay: relayConfigSection }, { ...options.relayEnv }) } : {}),
    logger,
  });

  const orgId = ((await internalCall(identity.url, 'POST', '/internal/orgs', { name: 'Relay demo' })).body as { id: string }).id;
  const slackConnectionId = ((await internalCall(identity.url, 'POST', `/internal/orgs/${orgId}/connections`, slackConnection())).body as { id: string }).id;
  const teamsConnectionId = ((await internalCall(identity.url, 'POST', `/internal/orgs/${orgId}/connections`, teamsConnection())).body as { id: string }).id;
  const observe = (platform: 'slack' | 'teams', platformUserId: string, email: string, realName: string) =>
    identity.bus.publish('parley.directory.user.observed.v1', { orgId, platform, platformUserId, email, displayName: realName, realName, isBot: false, isDeactivated: false, observedAt: new Date().toISOString() });
  await observe('slack', 'U0ADA', 'ada@example.com', 'Ada Lovelace');
  await observe('slack', 'U0GRA', 'grace@example.com', 'Grace Hopper');
  await observe('slack', 'U0LIN', 'linus@example.com', 'Linus Pauling');
  await observe('teams', 'aad-frances', 'frances@example.com', 'Frances Allen');
  const resolve = async (platform: 'slack' | 'teams', ids: string[]) =>
    resolvedPeople.parse((await internalCall(identity.url, 'POST', `/internal/orgs/${orgId}/people/resolve`, { platform, platformUserIds: ids })).body);
  const people = await eventually(() => resolve('slack', ['U0ADA', 'U0GRA', 'U0LIN']), (r) => r.items.length === 3, 'people observed');
  const idOf = (uid: string) => people.items.find((i) => i.platformUserId === uid)?.person.id as string;
  const frances = (await eventually(() => resolve('teams', ['aad-frances']), (r) => r.items.length === 1, 'frances')).items[0]?.person.id as string;
  const guest = (personId: string, guestUserId: string) =>
    identity.bus.publish('parley.teams.guest.created.v1', {
      orgId,
      syncId: randomUUID(),
      personId,
      guestUserId,
      userPrincipalName: `${guestUserId}#EXT#@customer.onmicrosoft.com`,
      homeUserPrincipalName: `${guestUserId}@home.onmicrosoft.com`,
      teamIds: ['team-1'],
      reused: false,
      signIn: { status: 'ok' },
    });
  await guest(idOf('U0ADA'), 'aad-ada-guest');
  await guest(idOf('U0GRA'), 'aad-grace-guest');
  await identity.bus.publish('parley.slack.mirror.created.v1', { orgId, syncId: randomUUID(), personId: frances, kind: 'scim', mirrorId: 'W0FRA', reused: false });
  await eventually(() => resolve('teams', ['aad-ada-guest', 'aad-grace-guest']), (r) => r.items.length === 2, 'guests');
  await eventually(() => resolve('slack', ['W0FRA']), (r) => r.items.length === 1, 'mirror');

  let eventCounter = 0;
  /** What a connector publishes for a message it saw, with what the test does not care about filled in (v1 or v2). */
  const receivedDefaults = <F extends { conversation: { platform: 'slack' | 'teams' } }>(fields: F) => ({
    orgId,
    connectionId: fields.conversation.platform === 'slack' ? slackConnectionId : teamsConnectionId,
    change: 'created' as const,
    platformEventId: `Ev${++eventCounter}`,
    occurredAt: new Date().toISOString(),
    ...fields,
  });
  /** A connector's outcome of a delivery it was asked for: delivered as the person, unless `fields` say otherwise. */
  const outcomeOf = <F extends object>(d: Deliver, conversationId: string, fields: F) => ({
    orgId,
    deliveryId: d.deliveryId,
    conversation: { platform: d.connectionId === teamsConnectionId ? ('teams' as const) : ('slack' as const), conversationId },
    outcome: 'delivered' as const,
    voice: 'person' as const,
    deliveredAt: new Date().toISOString(),
    ...fields,
  });
  return {
    identityDb,
    relayDb,
    identity,
    relay,
    connectors,
    delivers,
    notices,
    reactionRequests,
    linkChanges,
    orgId,
    slackConnectionId,
    teamsConnectionId,
    personIds: { U0ADA: idOf('U0ADA'), U0GRA: idOf('U0GRA'), U0LIN: idOf('U0LIN'), 'aad-frances': frances },
    received: (fields) => connectors.publish('parley.message.received.v1', receivedDefaults(fields)),
    receivedV2: (fields) => connectors.publish('parley.message.received.v2', receivedDefaults(fields)),
    delivered: (d, conversationId, fields = {}) => connectors.publish('parley.message.delivered.v1', outcomeOf(d, conversationId, fields)),
    deliveredV2: (d, conversationId, fields = {}) => connectors.publish('parley.message.delivered.v2', outcomeOf(d, conversationId, fields)),
    async settle(count) {
      await eventually(() => delivers.length, (n) => n >= count, `${count} deliver requests`);
      await relay.broker.drain();
      await new Promise((resolve) => setTimeout(resolve, 300));
      await relay.broker.drain();
      if (delivers.length !== count) throw new Error(`expected ${count} deliver requests, saw ${delivers.length}: ${JSON.stringify(delivers.slice(count)).slice(0, 2_000)}`);
      return delivers[count - 1] as Seen;
    },
    conversations: async () => conversationPage.parse((await internalCall(relay.url, 'GET', `/internal/orgs/${orgId}/conversations`)).body),
    messagesOf: async (id, query = '') => relayedMessagePage.parse((await internalCall(relay.url, 'GET', `/internal/orgs/${orgId}/conversations/${id}/messages${query}`)).body),
    async stop() {
      await relay.stop();
      await identity.stop();
      await connectors.stop();
      await relayDb.drop();
      await identityDb.drop();
    },
  };
}

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

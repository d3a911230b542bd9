import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  publicPaths,
  SLACK_CONSENT_WRONG_ACCOUNT_PROBLEM,
  connectionInput,
  internalRoutes,
  matchRoute,
  type AnyInternalRoute,
  SYNC_CONFLICT_PROBLEM,
  type ConnectionSettings,
  conversationView,
  relayedMessageView,
  type ConnectionView,
  type ConversationView,
  type OrganizationView,
  type RelayedMessageView,
  type PersonView,
  type UserSyncView,
  WORKSPACE_TAKEN_PROBLEM,
} from '@parley/internal-api';
import type { PeerName } from '@parley/service-runtime';

/** One request a stand-in peer received (after its bearer check). */
export interface ReceivedCall {
  readonly peer: PeerName;
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: unknown;
}

/** `text`: a text/plain answer instead of JSON (Graph's validation handshake). */
type Reply = { status: number; body?: unknown; text?: string };
type Params = Readonly<Record<string, string>>;
type Handler = (call: ReceivedCall, params: Params) => Reply;
const identity = internalRoutes.identity;
const provisioning = internalRoutes.provisioning;
const relay = internalRoutes.relay;

/** Credentials the stand-in connectors accept; anything else is refused like the platform would. */
export const GOOD_SLACK_BOT_TOKEN = 'xoxb-good-bot-token-1111';
export const GOOD_TEAMS_CLIENT_SECRET = 'good-client-secret-2222';
export const GOOD_CONSENT_CODE = 'good-authorization-code';
/** A Slack code identity finds was approved by another Slack account than the person's own. */
export const SLACK_CODE_OF_SOMEONE_ELSE = 'slack-code-of-someone-else';
/** A bot token the stand-in slack-connector accepts for another workspace than GOOD_SLACK_BOT_TOKEN's (T0ACME). */
export const slackBotTokenOf = (teamId: string): string => `xoxb-good-bot-token-for-${teamId}`;
const WORKSPACE_TOKEN = /^xoxb-good-bot-token-for-(\w+)$/;

const problem = (status: number, detail: string, extra: Record<string, unknown> = {}): Reply => ({
  status,
  body: { type: 'about:blank', title: 'Error', status, detail, ...extra },
});

/**
 * Tiny real HTTP servers standing in for identity, provisioning and the two connectors: the internal routes the
 * gateway calls, with the behaviour the real services document (org scoping, one connection per platform, one org
 * per workspace or tenant, one active sync per org, consent states), and the internal bearer checked on every call.
 */
export class FakePeers {
  readonly calls: ReceivedCall[] = [];
  /** Calls refused for a missing or wrong internal bearer. */
  unauthorizedCalls = 0;
  /** A peer that forgot to scope by org: answers resources of any org (the gateway must still answer 404). */
  leaky = false;
  /** The next call to this peer answers this instead (a 500 with internals, a 503...). */
  readonly failNext = new Map<PeerName, Reply>();

  private readonly servers = new Map<PeerName, Server>();
  private readonly urls = new Map<PeerName, string>();
  /** identity's organizations: created through the gateway, or handed over from its schema (ADR 0009). */
  readonly organizations = new Map<string, OrganizationView>();
  private readonly connections = new Map<string, ConnectionView>();
  private readonly sealed = new Map<string, unknown>();
  private readonly people = new Map<string, PersonView>();
  private readonly syncs = new Map<string, UserSyncView>();
  /** The relay's twins and their messages. */
  private readonly conversations = new Map<string, ConversationView>();
  private readonly relayedMessages: RelayedMessageView[] = [];
  private readonly consentStates = new Map<string, { orgId: string; personId: string; redirectUri: string; platform: 'teams' | 'slack' }>();

  constructor(private readonly token: string) {}

  async start(): Promise<Record<PeerName, string>> {
    const routes: Record<PeerName, [AnyInternalRoute, Handler][]> = {
      identity: [
        [identity.createOrganization, (c) => this.createOrganization(c.body)],
        [identity.organization, (_c, p) => this.getOrganization(p['orgId'] as string)],
        [identity.adoptOrganization, (c, p) => this.adoptOrganization(p['orgId'] as string, c.body)],
        [identity.createConnection, (c, p) => this.createConnection(p['orgId'] as string, c.body)],
        [identity.connections, (_c, p) => ({ status: 200, body: { items: this.orgConnections(p['orgId'] as string) } })],
        [identity.connection, (_c, p) => this.scoped(this.connections, p['orgId'], p['connectionId'], 'connection')],
        [identity.deleteConnection, (_c, p) => this.deleteConnection(p['orgId'] as string, p['connectionId'] as string)],
        [identity.people, (c, p) => this.listPeople(p['orgId'] as string, c.query)],
        [identity.person, (_c, p) => this.scoped(this.people, p['orgId'], p['personId'], 'person')],
        [identity.updatePerson, (c, p) => this.updatePerson(p, c.body)],
        [identity.consentLink, (c, p) => this.consentLink(p, c.query)],
        [identity.completeConsent, (c) => this.completeConsent(c.body, 'teams')],
        [identity.completeSlackConsent, (c) => this.completeConsent(c.body, 'slack')],
      ],
      provisioning: [
        [provisioning.startUserSync, (c, p) => this.startSync(p['orgId'] as string, c.body)],
        [provisioning.userSyncs, (_c, p) => ({ status: 200, body: { items: [...this.syncs.values()].filter((s) => s.orgId === p['orgId']) } })],
        [provisioning.userSync, (_c, p) => this.scoped(this.syncs, p['orgId'], p['syncId'], 'user sync')],
      ],
      'slack-connector': [[internalRoutes['slack-connector'].verifyConnection, (c) => this.verify('slack', c.body)]],
      'teams-connector': [[internalRoutes['teams-connector'].verifyConnection, (c) => this.verify('teams', c.body)]],
      relay: [
        [relay.conversations, (c, p) => this.page([...this.conversations.values()].filter((v) => this.leaky || v.orgId === p['orgId']), c.query)],
        [relay.conversationMessages, (c, p) => this.conversationMessages(p, c.query)],
      ],
    };
    for (const [peer, peerRoutes] of Object.entries(routes) as [PeerName, [AnyInternalRoute, Handler][]][]) {
      const server = createServer((request, response) => void this.handle(peer, peerRoutes, request, response));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      this.servers.set(peer, server);
      this.urls.set(peer, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    }
    return Object.fromEntries(this.urls) as Record<PeerName, string>;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.servers.values()].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  /** What identity holds for a connection besides its view (the sealed secrets, here in clear for the test). */
  secretsOf(connectionId: string): unknown {
    return this.sealed.get(connectionId);
  }

  /** A relayed conversation, as the relay would answer it. */
  addConversation(orgId: string): ConversationView {
    const now = new Date().toISOString();
    const conversation = conversationView.parse({
      id: randomUUID(),
      orgId,
      kind: 'dm',
      slack: { conversationId: `D${this.conversations.size}` },
      teams: { conversationId: null },
      memberPersonIds: [randomUUID(), randomUUID()],
      createdAt: now,
      updatedAt: now,
    });
    this.conversations.set(conversation.id, conversation);
    return conversation;
  }

  /** A message of a relayed conversation in one of the states an admin reads. */
  addRelayedMessage(conversation: ConversationView, state: 'pending' | 'delivered' | 'failed'): RelayedMessageView {
    const now = new Date().toISOString();
    const message = relayedMessageView.parse({
      id: randomUUID(),
      orgId: conversation.orgId,
      conversationId: conversation.id,
      source: { platform: 'slack', conversationId: conversation.slack.conversationId, messageId: `${Date.now()}.${this.relayedMessages.length}` },
      senderPersonId: conversation.memberPersonIds[0],
      state,
      targetMessageIds: state === 'delivered' ? ['1733000000001'] : [],
      ...(state === 'failed' ? { reason: 'Forbidden: the tenant policy blocks chats with guests' } : {}),
      deleted: false,
      deliveries: [],
      createdAt: now,
    });
    this.relayedMessages.push(message);
    return message;
  }

  private page<T extends { id: string }>(all: readonly T[], query: URLSearchParams): Reply {
    const limit = Number(query.get('limit') ?? 50);
    const sorted = [...all].sort((a, b) => a.id.localeCompare(b.id));
    const after = query.get('cursor');
    const from = after ? sorted.findIndex((v) => v.id > after) : 0;
    const items = from < 0 ? [] : sorted.slice(from, from + limit);
    const more = from >= 0 && from + limit < sorted.length;
    return { status: 200, body: { items, nextCursor: more ? (items[items.length - 1] as T).id : null } };
  }

  private conversationMessages(params: Params, query: URLSearchParams): Reply {
    const found = this.scoped(this.conversations, params['orgId'], params['conversationId'], 'conversation');
    if (found.status !== 200) return found;
    return this.page(this.relayedMessages.filter((m) => m.conversationId === (found.body as ConversationView).id), query);
  }

  addPerson(orgId: string, overrides: Partial<PersonView> = {}): PersonView {
    const now = new Date().toISOString();
    const id = randomUUID();
    const person: PersonView = {
      id,
      orgId,
      email: `person-${id.slice(0, 8)}@contoso.test`,
      displayName: `Person ${id.slice(0, 8)}`,
      primaryPlatform: 'slack',
      status: 'active',
      accounts: [{ platform: 'slack', kind: 'native', status: 'active', platformUserId: `U${id.slice(0, 8).toUpperCase()}` }],
      createdAt: now,
      updatedAt: now,
      ...overrides,
    };
    this.people.set(id, person);
    return person;
  }

  /** Ends an org's active sync, as provisioning does when the last task is done. */
  finishSyncs(orgId: string): void {
    for (const [id, sync] of this.syncs) {
      if (sync.orgId === orgId && (sync.status === 'queued' || sync.status === 'running')) {
        this.syncs.set(id, { ...sync, status: 'succeeded', phase: 'done', finishedAt: new Date().toISOString() });
      }
    }
  }

  private async handle(peer: PeerName, routes: [AnyInternalRoute, Handler][], request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const send = ({ status, body, text }: Reply) => {
      if (text !== undefined) {
        response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
        return;
      }
      if (body === undefined) {
        response.writeHead(status).end();
        return;
      }
      response.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' }).end(JSON.stringify(body));
    };
    // Graph's notifications are public on the connector (it verifies them itself); the gateway forwards them bare.
    const publicRoute = (request.url ?? '').startsWith('/teams/');
    if (!publicRoute && request.headers.authorization !== `Bearer ${this.token}`) {
      this.unauthorizedCalls++;
      send(problem(401, 'internal API: missing or wrong internal token'));
      return;
    }
    const url = new URL(request.url ?? '/', 'http://peer');
    const text = Buffer.concat(chunks).toString('utf8');
    const call: ReceivedCall = { peer, method: request.method ?? 'GET', path: url.pathname, query: url.searchParams, body: text ? JSON.parse(text) : undefined };
    this.calls.push(call);
    const failure = this.failNext.get(peer);
    if (failure) {
      this.failNext.delete(peer);
      send(failure);
      return;
    }
    if (publicRoute && peer === 'teams-connector' && call.method === 'POST' && Object.values(publicPaths).includes(url.pathname as never)) {
      send(this.teamsNotification(call));
      return;
    }
    for (const [route, handler] of routes) {
      const params = matchRoute(route, call.method, url.pathname);
      if (params) {
        send(handler(call, params));
        return;
      }
    }
    send(problem(404, `No route matches ${call.method} ${url.pathname}.`));
  }

  /** teams-connector's public notification endpoints: the handshake echoes the token; a payload with items is taken. */
  private teamsNotification(call: ReceivedCall): Reply {
    const token = call.query.get('validationToken');
    if (token !== null) return { status: 200, text: token };
    const items = (call.body as { value?: unknown[] } | undefined)?.value;
    return Array.isArray(items) && items.length > 0 ? { status: 202 } : problem(400, 'The notification was not accepted.');
  }

  private scoped<T extends { orgId: string }>(store: Map<string, T>, orgId: string | undefined, id: string | undefined, what: string): Reply {
    const found = store.get(id ?? '');
    if (!found || (!this.leaky && found.orgId !== orgId)) return problem(404, `No such ${what}.`);
    return { status: 200, body: found };
  }

  private orgConnections(orgId: string): ConnectionView[] {
    return [...this.connections.values()].filter((c) => c.orgId === orgId);
  }

  private verify(platform: 'slack' | 'teams', body: unknown): Reply {
    const parsed = connectionInput.safeParse(body);
    if (!parsed.success || parsed.data.platform !== platform) return problem(400, 'The request body is invalid.');
    const input = parsed.data;
    if (input.platform === 'slack') {
      const teamId = input.botToken === GOOD_SLACK_BOT_TOKEN ? 'T0ACME' : WORKSPACE_TOKEN.exec(input.botToken)?.[1];
      if (!teamId) return { status: 200, body: { ok: false, problems: [{ field: 'botToken', reason: 'invalid_auth: Slack did not accept the token' }] } };
      const settings: ConnectionSettings = {
        platform: 'slack',
        teamId,
        teamName: 'Acme Engineering',
        botUserId: 'UBOT',
        apiUrl: input.apiUrl,
        scimUrl: input.scimUrl,
        scim: input.scimToken !== undefined,
        scopes: ['users:read', 'users:read.email', 'chat:write', 'chat:write.customize'],
      };
      return { status: 200, body: { ok: true, settings } };
    }
    if (input.clientSecret !== GOOD_TEAMS_CLIENT_SECRET) {
      return {
        status: 200,
        body: {
          ok: false,
          problems: [
            { field: 'clientSecret', reason: 'AADSTS7000215: Invalid client secret provided.' },
            { field: 'teamOwnerPassword', reason: 'the team owner could not sign in' },
          ],
        },
      };
    }
    const settings: ConnectionSettings = {
      platform: 'teams',
      tenantId: input.tenantId,
      clientId: input.clientId,
      homeTenantId: input.homeTenantId,
      homeTenantDomain: input.homeTenantDomain,
      teamIds: input.teamIds,
      teamOwnerUsername: input.teamOwner.username,
      authorityUrl: input.authorityUrl,
      graphUrl: input.graphUrl,
    };
    return { status: 200, body: { ok: true, settings } };
  }

  private createOrganization(body: unknown): Reply {
    const parsed = identity.createOrganization.body.safeParse(body);
    if (!parsed.success) return problem(400, 'The request body is invalid.');
    const org: OrganizationView = { id: `org_${randomUUID().replace(/-/g, '').slice(0, 16)}`, name: parsed.data.name, createdAt: new Date().toISOString() };
    this.organizations.set(org.id, org);
    return { status: 201, body: org };
  }

  private getOrganization(id: string): Reply {
    const org = this.organizations.get(id);
    return org ? { status: 200, body: org } : problem(404, 'No such organization.');
  }

  /** Idempotent, like identity's: an org it has already is answered as it is. */
  private adoptOrganization(id: string, body: unknown): Reply {
    const parsed = identity.adoptOrganization.body.safeParse(body);
    if (!parsed.success) return problem(400, 'The request body is invalid.');
    const orgId = id;
    const org = this.organizations.get(orgId) ?? { id: orgId, name: parsed.data.name, createdAt: parsed.data.createdAt };
    this.organizations.set(orgId, org);
    return { status: 200, body: org };
  }

  private createConnection(orgId: string, body: unknown): Reply {
    const parsed = identity.createConnection.body.safeParse(body);
    if (!parsed.success) return problem(400, 'The request body is invalid.');
    if (this.orgConnections(orgId).some((c) => c.platform === parsed.data.platform)) {
      return problem(409, `This organization already has a ${parsed.data.platform} connection.`);
    }
    // As identity's unique index: a workspace or tenant has one live connection, whichever org holds it.
    const settings = parsed.data.settings;
    const reaches = (s: ConnectionSettings) => (s.platform === 'slack' ? s.teamId : s.tenantId);
    if ([...this.connections.values()].some((c) => c.platform === settings.platform && reaches(c.settings) === reaches(settings))) {
      const field = settings.platform === 'slack' ? 'settings.teamId' : 'settings.tenantId';
      return problem(409, 'This workspace is already connected to an organization in Parley.', {
        type: WORKSPACE_TAKEN_PROBLEM,
        errors: [{ field, message: 'already connected' }],
      });
    }
    const view: ConnectionView = { id: randomUUID(), orgId, platform: parsed.data.platform, settings: parsed.data.settings, createdAt: new Date().toISOString() };
    this.connections.set(view.id, view);
    this.sealed.set(view.id, parsed.data.secrets);
    return { status: 201, body: view };
  }

  private deleteConnection(orgId: string, id: string): Reply {
    const found = this.connections.get(id);
    if (!found || found.orgId !== orgId) return problem(404, 'No such connection.');
    this.connections.delete(id);
    this.sealed.delete(id);
    return { status: 204 };
  }

  private listPeople(orgId: string, query: URLSearchParams): Reply {
    const text = query.get('query')?.toLowerCase();
    const primary = query.get('primaryPlatform');
    const status = query.get('status');
    const limit = Number(query.get('limit') ?? 100);
    const matching = [...this.people.values()]
      .filter((p) => p.orgId === orgId)
      .filter((p) => !text || p.email.includes(text) || p.displayName.toLowerCase().includes(text))
      .filter((p) => !primary || p.primaryPlatform === primary)
      .filter((p) => !status || (status === 'needs_attention' ? p.accounts.some((a) => a.status === 'needs_attention') : p.status === status))
      .sort((a, b) => a.id.localeCompare(b.id));
    const after = query.get('cursor');
    const from = after ? matching.findIndex((p) => p.id > after) : 0;
    const page = from < 0 ? [] : matching.slice(from, from + limit);
    const more = from >= 0 && from + limit < matching.length;
    return { status: 200, body: { items: page, nextCursor: more ? (page[page.length - 1] as PersonView).id : null } };
  }

  private updatePerson(params: Params, body: unknown): Reply {
    const found = this.scoped(this.people, params['orgId'], params['personId'], 'person');
    if (found.status !== 200) return found;
    const parsed = identity.updatePerson.body.safeParse(body);
    if (!parsed.success) return problem(400, 'The request body is invalid.');
    const person = { ...(found.body as PersonView), primaryPlatform: parsed.data.primaryPlatform, updatedAt: new Date().toISOString() };
    this.people.set(person.id, person);
    return { status: 200, body: person };
  }

  private consentLink(params: Params, query: URLSearchParams): Reply {
    const found = this.scoped(this.people, params['orgId'], params['personId'], 'person');
    if (found.status !== 200) return found;
    const parsed = identity.consentLink.query.safeParse(Object.fromEntries(query));
    if (!parsed.success) return problem(400, 'redirectUri is required.', { errors: [{ field: 'redirectUri', message: 'Required' }] });
    const { redirectUri, platform } = parsed.data;
    const state = randomUUID();
    const person = found.body as PersonView;
    this.consentStates.set(state, { orgId: person.orgId, personId: person.id, redirectUri, platform });
    const url = new URL(platform === 'slack' ? 'https://slack.test/oauth/v2/authorize' : 'https://login.microsoftonline.test/tenant/oauth2/v2.0/authorize');
    url.searchParams.set('redirect_uri', redirectUri);
    url.searchParams.set('state', state);
    return { status: 200, body: { url: url.toString(), expiresAt: new Date(Date.now() + 3_600_000).toISOString() } };
  }

  private completeConsent(body: unknown, platform: 'teams' | 'slack'): Reply {
    const parsed = identity.completeConsent.body.safeParse(body);
    if (!parsed.success) return problem(400, 'The request body is invalid.');
    const state = this.consentStates.get(parsed.data.state);
    if (!state || state.platform !== platform) return problem(400, 'Unknown or expired consent state.');
    // As identity does: a state is spent once claimed, whatever the code turns out to be.
    if (platform === 'slack') this.consentStates.delete(parsed.data.state);
    if (platform === 'slack' && parsed.data.code === SLACK_CODE_OF_SOMEONE_ELSE) {
      return { status: 409, body: { type: SLACK_CONSENT_WRONG_ACCOUNT_PROBLEM, title: 'Conflict', status: 409, detail: 'code: Slack signed in another Slack account.' } };
    }
    if (parsed.data.code !== GOOD_CONSENT_CODE) return problem(422, 'invalid_grant: the authorization code was not accepted.');
    this.consentStates.delete(parsed.data.state);
    const person = this.people.get(state.personId) as PersonView;
    return { status: 200, body: { orgId: state.orgId, personId: state.personId, email: person.email } };
  }

  private startSync(orgId: string, body: unknown): Reply {
    const parsed = provisioning.startUserSync.body.safeParse(body);
    if (!parsed.success) return problem(400, 'The request body is invalid.');
    const active = [...this.syncs.values()].find((s) => s.orgId === orgId && (s.status === 'queued' || s.status === 'running'));
    if (active) {
      return { status: 409, body: { type: SYNC_CONFLICT_PROBLEM, title: 'Conflict', status: 409, detail: 'A user sync is already queued or running for this organization.', activeSyncId: active.id } };
    }
    const sync: UserSyncView = {
      id: randomUUID(),
      orgId,
      mode: parsed.data.mode,
      status: 'queued',
      phase: 'queued',
      total: 0,
      done: 0,
      created: 0,
      linked: 0,
      unchanged: 0,
      disabled: 0,
      failed: 0,
      errors: [],
      requestedBy: parsed.data.requestedBy,
      createdAt: new Date().toISOString(),
      startedAt: null,
      finishedAt: null,
    };
    this.syncs.set(sync.id, sync);
    return { status: 202, body: sync };
  }
}

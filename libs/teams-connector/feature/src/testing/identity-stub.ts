import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from 'undici';
import { internalRoutes, matchRoute, NEEDS_ATTENTION_PROBLEM, type TeamsNotificationKeySet, type TeamsSecrets, type TeamsSettings } from '@parley/internal-api';

const routes = internalRoutes.identity;

interface StoredConnection {
  readonly orgId: string;
  readonly settings: TeamsSettings;
  readonly secrets: TeamsSecrets;
  readonly createdAt: string;
}

/**
 * A stand-in for identity's internal routes, for teams-connector's own tests (the cross-service test with the real
 * identity is the lead's). Tokens are real: it calls the Graph sandbox's token endpoint (client credentials, ROPC as
 * the team owner, ROPC as a guest with the home password it made), and answers a refusal with identity's 409
 * needs-attention problem.
 */
export class IdentityStub {
  private server?: Server;
  private readonly connections = new Map<string, StoredConnection>();
  private readonly passwords = new Map<string, { upn: string; password: string }>();
  readonly tokenRequests: { orgId: string; kind: string }[] = [];
  /** Reads of a connection: its view (settings only) and its opened secrets, which the connector must never ask for. */
  readonly connectionReads = { view: 0, secrets: 0 };
  /** Each connection's notification keys, as identity keeps them in its vault (ADR 0028); replicas in a test may share one. */
  notificationKeys = new Map<string, TeamsNotificationKeySet>();
  url = '';

  constructor(
    private readonly internalToken: string,
    private readonly dispatcher: Dispatcher,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      this.route(request, response).catch((error: unknown) => send(response, 500, { title: 'stub failure', detail: String(error) }));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  addConnection(id: string, orgId: string, settings: TeamsSettings, secrets: TeamsSecrets): void {
    this.connections.set(id, { orgId, settings, secrets, createdAt: new Date().toISOString() });
  }

  /** Changes a stored connection's settings (an admin's edit), e.g. its payment model. */
  updateSettings(id: string, change: Partial<TeamsSettings>): void {
    const connection = this.connections.get(id);
    if (connection) this.connections.set(id, { ...connection, settings: { ...connection.settings, ...change } });
  }

  removeConnection(id: string): void {
    this.connections.delete(id);
  }

  /** The home account identity made for a person, if any (what identity's vault would hold). */
  guestCredential(personId: string): { upn: string; password: string } | undefined {
    return this.passwords.get(personId);
  }

  /** A token for a person, as a connector (or the test) would get it from identity. */
  async personToken(orgId: string, connectionId: string, personId: string): Promise<string> {
    const result = await this.issue(orgId, connectionId, { kind: 'person', personId });
    if (result.status !== 200) throw new Error(`no token for ${personId}: ${JSON.stringify(result.body)}`);
    return (result.body as { accessToken: string }).accessToken;
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.headers.authorization !== `Bearer ${this.internalToken}`) return send(response, 401, { title: 'Unauthorized', detail: 'internal token' });
    const url = new URL(request.url ?? '/', 'http://stub');
    const body = await readJson(request);
    const token = matchRoute(routes.token, request.method, url.pathname);
    if (token) {
      const parsed = routes.token.body.safeParse(body);
      if (!parsed.success) return send(response, 400, { title: 'Bad Request', detail: parsed.error.message });
      const { orgId } = token;
      this.tokenRequests.push({ orgId, kind: parsed.data.subject.kind });
      const result = await this.issue(orgId, parsed.data.connectionId, parsed.data.subject);
      return send(response, result.status, result.body);
    }
    const view = matchRoute(routes.connection, request.method, url.pathname);
    if (view) {
      this.connectionReads.view += 1;
      const connection = this.connectionOf(view.orgId, view.connectionId);
      if (!connection) return send(response, 404, { title: 'Not Found', detail: 'No such connection.' });
      return send(response, 200, { id: view.connectionId, orgId: connection.orgId, platform: 'teams', settings: connection.settings, createdAt: connection.createdAt });
    }
    if (url.pathname === '/internal/connections' && request.method === 'GET') {
      const platform = url.searchParams.get('platform');
      const items = platform === 'teams' ? [...this.connections].map(([id, c]) => ({ id, orgId: c.orgId, platform: 'teams', settings: c.settings, createdAt: c.createdAt })) : [];
      return send(response, 200, { items });
    }
    // identity serves this to connectors; teams-connector has no use for it, and a test fails if it is read.
    const secrets = matchRoute(routes.connectionSecrets, request.method, url.pathname);
    if (secrets) {
      this.connectionReads.secrets += 1;
      const connection = this.connectionOf(secrets.orgId, secrets.connectionId);
      if (!connection) return send(response, 404, { title: 'Not Found', detail: 'No such connection.' });
      return send(response, 200, { id: secrets.connectionId, orgId: connection.orgId, platform: 'teams', settings: connection.settings, secrets: connection.secrets });
    }
    const keys = matchRoute(routes.teamsNotificationKeys, request.method, url.pathname) ?? matchRoute(routes.putTeamsNotificationKeys, request.method, url.pathname);
    if (keys) {
      if (!this.connectionOf(keys.orgId, keys.connectionId)) return send(response, 404, { title: 'Not Found', detail: 'No such connection.' });
      if (request.method === 'GET') return send(response, 200, this.notificationKeys.get(keys.connectionId) ?? { activeKeyId: null, keys: [] });
      const parsed = routes.putTeamsNotificationKeys.body.safeParse(body);
      if (!parsed.success) return send(response, 400, { title: 'Bad Request', detail: parsed.error.message });
      this.notificationKeys.set(keys.connectionId, parsed.data);
      response.writeHead(204).end();
      return;
    }
    const password = matchRoute(routes.guestPassword, request.method, url.pathname);
    if (password) {
      const parsed = routes.guestPassword.body.safeParse(body);
      if (!parsed.success) return send(response, 400, { title: 'Bad Request', detail: parsed.error.message });
      if (!this.connectionOf(password.orgId, parsed.data.connectionId)) return send(response, 404, { title: 'Not Found', detail: 'No such connection.' });
      const { personId } = password;
      const kept = this.passwords.get(personId) ?? { upn: parsed.data.homeUserPrincipalName, password: `Pw-${randomBytes(18).toString('base64url')}-9a!` };
      this.passwords.set(personId, kept);
      return send(response, 200, { password: kept.password });
    }
    send(response, 404, { title: 'Not Found', detail: `no route ${request.method} ${url.pathname}` });
  }

  private connectionOf(orgId: string, connectionId: string): StoredConnection | undefined {
    const connection = this.connections.get(connectionId);
    return connection && connection.orgId === orgId ? connection : undefined;
  }

  private async issue(orgId: string, connectionId: string, subject: { kind: 'app'; tenant: 'customer' | 'home' } | { kind: 'team-owner' } | { kind: 'person'; personId: string }): Promise<{ status: number; body: unknown }> {
    const connection = this.connectionOf(orgId, connectionId);
    if (!connection) return { status: 404, body: { title: 'Not Found', detail: 'No such connection.' } };
    const { settings, secrets } = connection;
    const app = { client_id: settings.clientId, client_secret: secrets.clientSecret };
    let tenant = settings.tenantId;
    let form: Record<string, string>;
    if (subject.kind === 'app') {
      tenant = subject.tenant === 'home' ? settings.homeTenantId : settings.tenantId;
      form = { ...app, grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' };
    } else if (subject.kind === 'team-owner') {
      form = { ...app, grant_type: 'password', username: settings.teamOwnerUsername, password: secrets.teamOwnerPassword, scope: 'https://graph.microsoft.com/.default offline_access' };
    } else {
      const credential = this.passwords.get(subject.personId);
      if (!credential) return needsAttention('no home account password is kept for this person');
      form = { ...app, grant_type: 'password', username: credential.upn, password: credential.password, scope: 'https://graph.microsoft.com/.default offline_access' };
    }
    const response = await fetch(`${settings.authorityUrl}/${tenant}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
      dispatcher: this.dispatcher,
    } as unknown as RequestInit);
    const json = (await response.json()) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (json.access_token) {
      return { status: 200, body: { accessToken: json.access_token, expiresAt: new Date(Date.now() + (json.expires_in ?? 3599) * 1000).toISOString() } };
    }
    return needsAttention(`Microsoft refused the sign-in: ${(json.error_description ?? json.error ?? 'unknown').replace(/\s*Trace ID:.*$/s, '')}`);
  }
}

function needsAttention(reason: string): { status: number; body: unknown } {
  return { status: 409, body: { type: NEEDS_ATTENTION_PROBLEM, title: 'Needs attention', status: 409, detail: reason, reason } };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' });
  response.end(JSON.stringify(body));
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

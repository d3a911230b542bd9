import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { Agent } from 'undici';
import type { Payload, PayloadIn, TopicName } from '@parley/contracts';
import { InternalApiClient, type TeamsSettings } from '@parley/internal-api';
import { InProcessBroker, InProcessBus } from '@parley/messaging';
import { ServiceMetrics } from '@parley/observability';
import type { GraphSandbox, SeededCredentials } from '@parley/sandbox-graph';
import { demoOrganization } from '@parley/sandbox-seed';
import type { RunningService } from '@parley/service-runtime';
import { createFreshDatabase, uniqueSuffix, type FreshDatabase } from '@parley/testing';
import { startServiceInProcess } from '@parley/testing-in-process';
import type { GraphAccessConfig } from '@parley/teams-connector-graph-access';
import { createTeamsConnectorService, type TeamsConnectorOptions } from '../index';
import { IdentityStub } from './identity-stub';
import { SlackFilesStub } from './slack-files-stub';

export const INTERNAL_TOKEN = 'internal-token-for-teams-connector-tests-0123456789';

/** A database of its own on the shared PostgreSQL server (`parley_tc_...`), dropped afterwards. */
export const freshDatabase = (serverUrl: string): Promise<FreshDatabase> => createFreshDatabase(serverUrl, 'parley_tc');

/** One seeded organization of the sandbox, registered with the identity stub as a Teams connection. */
export interface SeededOrg {
  readonly orgId: string;
  readonly connectionId: string;
  readonly credentials: SeededCredentials;
  readonly owner: { readonly username: string; readonly password: string };
  readonly settings: TeamsSettings;
  readonly domain: string;
}

/** Events the connector published, collected by a consumer group of the test on the same in-process broker. */
export class EventLog {
  readonly events: { topic: TopicName; payload: unknown }[] = [];

  of<T extends TopicName>(topic: T, where: (payload: Payload<T>) => boolean = () => true): Payload<T>[] {
    return this.events.filter((e) => e.topic === topic).map((e) => e.payload as Payload<T>).filter(where);
  }

  async waitFor<T extends TopicName>(topic: T, where: (payload: Payload<T>) => boolean, timeoutMs = 30_000, count = 1): Promise<Payload<T>[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.of(topic, where);
      if (found.length >= count) return found;
      if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${count} ${topic}, saw ${found.length}; all events: ${JSON.stringify(this.events.map((e) => e.topic))}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/**
 * teams-connector in-process on real PostgreSQL (in-process bus and cache for Kafka and Redis), talking to a Graph
 * sandbox over HTTPS (trusting its CA through an undici dispatcher) and to an identity stub over HTTP.
 */
export class ConnectorHarness {
  readonly broker = new InProcessBroker(12);
  readonly log = new EventLog();
  readonly dispatcher: Agent;
  readonly identity: IdentityStub;
  /** slack-connector's fileContent route, for deliveries with files from Slack. */
  readonly slackFiles = new SlackFilesStub(INTERNAL_TOKEN);
  readonly metrics = new ServiceMetrics('teams-connector', { defaultMetrics: false });
  private observer?: InProcessBus;
  connector!: RunningService;

  constructor(
    readonly sandbox: GraphSandbox,
    private readonly databaseUrl: string,
    private readonly config: GraphAccessConfig,
    private readonly extra: Pick<TeamsConnectorOptions, 'ingress' | 'chatMessageObserver'> = {},
  ) {
    this.dispatcher = new Agent({ connect: { ca: sandbox.caPem } });
    this.identity = new IdentityStub(INTERNAL_TOKEN, this.dispatcher);
  }

  async start(): Promise<this> {
    await this.identity.start();
    await this.slackFiles.start();
    const definition = createTeamsConnectorService({ dispatcher: this.dispatcher, ...this.extra });
    const logger = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
    const started = await startServiceInProcess(definition, {
      databaseUrl: this.databaseUrl,
      broker: this.broker,
      logger,
      metrics: this.metrics,
      internalToken: INTERNAL_TOKEN,
      peers: { identity: this.identity.url, 'slack-connector': this.slackFiles.url },
      config: { teamsConnector: this.config },
    });
    this.connector = started.service;
    this.observer = new InProcessBus(this.broker, { service: 'provisioning', logger });
    const topics: TopicName[] = [
      'parley.directory.user.observed.v1',
      'parley.directory.import.completed.v1',
      'parley.directory.import.failed.v1',
      'parley.teams.guest.created.v1',
      'parley.teams.guest.failed.v1',
      'parley.teams.guest.disabled.v1',
      'parley.message.received.v2',
      'parley.message.delivered.v1',
      'parley.message.delivered.v2',
      'parley.reaction.observed.v1',
      'parley.reaction.delivered.v1',
    ];
    for (const topic of topics) {
      this.observer.subscribe(topic, async (payload) => void this.log.events.push({ topic, payload }), { group: `observer-${uniqueSuffix()}` });
    }
    await this.observer.start();
    return this;
  }

  async stop(): Promise<void> {
    await this.connector?.stop();
    await this.identity.stop();
    await this.slackFiles.stop();
    await this.dispatcher.close();
  }

  async publish<T extends TopicName>(topic: T, payload: PayloadIn<T>): Promise<void> {
    await (this.observer as InProcessBus).publish(topic, payload);
  }

  /** Seeds a fresh demo organization in the sandbox (its own tenants) and registers its connection with identity. */
  seedOrg(label: string): SeededOrg {
    const domain = `${label}-${uniqueSuffix()}.example`;
    const credentials = this.sandbox.seed(demoOrganization(domain));
    const [username, password] = Object.entries(credentials.passwords)[0] as [string, string];
    const orgId = `org_${uniqueSuffix().replace(/[^A-Za-z0-9]/g, '')}`;
    const connectionId = randomUUID();
    const settings: TeamsSettings = {
      platform: 'teams',
      tenantId: credentials.customerTenantId,
      clientId: credentials.clientId,
      homeTenantId: credentials.homeTenantId,
      homeTenantDomain: credentials.homeTenantDomain,
      teamIds: [credentials.teamId],
      teamOwnerUsername: username,
      authorityUrl: this.sandbox.url,
      graphUrl: this.sandbox.graphUrl,
    };
    this.identity.addConnection(connectionId, orgId, settings, { clientSecret: credentials.clientSecret, teamOwnerPassword: password });
    return { orgId, connectionId, credentials, owner: { username, password }, settings, domain };
  }

  /**
   * Graph as a test sees it: raw HTTPS with a token, trusting the sandbox CA. The test's reads share the app's
   * per-team limit with the connector, so a 429 is waited out (the sandbox's exact scaled wait) and sent again.
   */
  async graph<T = Record<string, unknown>>(path: string, token: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
    const url = path.startsWith('https://') ? path : `${this.sandbox.graphUrl}${path}`;
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(url, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        dispatcher: this.dispatcher,
      } as unknown as RequestInit);
      const text = await response.text();
      if (response.status === 429 && attempt < 5) {
        await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('x-sandbox-retry-after-ms') ?? 1000) + 5));
        continue;
      }
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
    }
  }

  /** A file's bytes PUT to Graph (a drive item's `.../content`), as a person uploads one; the driveItem answered. */
  async upload(path: string, token: string, bytes: Buffer, contentType: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${this.sandbox.graphUrl}${path}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      body: bytes,
      dispatcher: this.dispatcher,
    } as unknown as RequestInit);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** Bytes Graph serves (a hosted content's `$value`, a driveItem's content), with their type. */
  async graphBytes(path: string, token: string): Promise<{ status: number; contentType: string | null; bytes: Buffer }> {
    const url = path.startsWith('https://') ? path : `${this.sandbox.graphUrl}${path}`;
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, dispatcher: this.dispatcher } as unknown as RequestInit);
    return { status: response.status, contentType: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
  }

  /** teams-connector's own internal API, as a peer (slack-connector reading a file) calls it. */
  internalApi(): InternalApiClient {
    return new InternalApiClient({ baseUrl: this.connector.url, token: () => INTERNAL_TOKEN });
  }

  async appToken(tenantId: string, org: SeededOrg): Promise<string> {
    const response = await fetch(`${this.sandbox.url}/${tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: org.credentials.clientId, client_secret: org.credentials.clientSecret, scope: 'https://graph.microsoft.com/.default' }),
      dispatcher: this.dispatcher,
    } as unknown as RequestInit);
    const body = (await response.json()) as { access_token?: string };
    if (!body.access_token) throw new Error(`no app token: ${JSON.stringify(body)}`);
    return body.access_token;
  }

  /** Every guest of an org's customer tenant. */
  async guests(org: SeededOrg): Promise<{ id: string; displayName: string; userType: string; mail: string; userPrincipalName: string }[]> {
    const token = await this.appToken(org.credentials.customerTenantId, org);
    const filter = encodeURIComponent("userType eq 'Guest'");
    const page = await this.graph<{ value: { id: string; displayName: string; userType: string; mail: string; userPrincipalName: string }[] }>(
      `/users?$filter=${filter}&$select=id,displayName,userType,mail,userPrincipalName&$top=999`,
      token,
    );
    return page.body.value;
  }

  async teamMembers(org: SeededOrg): Promise<Map<string, string[]>> {
    const token = await this.appToken(org.credentials.customerTenantId, org);
    const page = await this.graph<{ value: { userId: string; roles: string[] }[] }>(`/teams/${org.credentials.teamId}/members`, token);
    return new Map(page.body.value.map((m) => [m.userId, m.roles]));
  }
}

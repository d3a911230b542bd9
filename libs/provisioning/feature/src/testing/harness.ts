import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import type { Payload, PayloadIn, TopicName } from '@parley/contracts';
import { internalRoutes, routePath, type AccountView, type UserSyncView } from '@parley/internal-api';
import { InProcessBroker, InProcessBus, toOutgoingRecord, type OutgoingRecord, type RetryPolicy } from '@parley/messaging';
import type { RunningService } from '@parley/service-runtime';
import { uniqueSuffix } from '@parley/testing';
import { startServiceInProcess } from '@parley/testing-in-process';
import { createProvisioningService } from '../index';
import type { RecoveryOptions } from '../driver/sync-recovery';

export const INTERNAL_TOKEN = 'internal-token-for-provisioning-tests-0123456789abcdef';
// PROV_TEST_LOG=/some/file writes the service's logs there while debugging a test.
const silent = process.env['PROV_TEST_LOG'] ? pino({ level: 'debug' }, pino.destination({ dest: process.env['PROV_TEST_LOG'], sync: true })) : pino({ level: 'silent' });

/** The commands provisioning sends to the connectors, which the tests watch for. */
export const commandTopicNames = [
  'parley.slack.directory.import.requested.v1',
  'parley.teams.directory.import.requested.v1',
  'parley.teams.guest.create.requested.v1',
  'parley.teams.guest.disable.requested.v1',
  'parley.slack.mirror.create.requested.v1',
  'parley.slack.mirror.deactivate.requested.v1',
] as const satisfies readonly TopicName[];
export type CommandTopic = (typeof commandTopicNames)[number];
export const taskTopics: readonly CommandTopic[] = commandTopicNames.slice(2);

export interface SeenCommand {
  readonly topic: CommandTopic;
  readonly payload: Payload<CommandTopic> & { syncId: string; personId?: string };
}

/**
 * provisioning started in-process on real PostgreSQL with the in-process bus, plus a stand-in for the connectors
 * on the same broker: it records every command provisioning sends and publishes the connectors' results.
 */
export class ProvisioningHarness {
  private constructor(
    /** Every command seen on the broker, in order. */
    readonly commands: SeenCommand[],
    /** Every parley.provisioning.command.dead-lettered.v1 provisioning published, in order. */
    readonly deadLetteredCommands: Payload<'parley.provisioning.command.dead-lettered.v1'>[],
    readonly service: RunningService,
    readonly broker: InProcessBroker,
    private readonly connectors: InProcessBus,
  ) {}

  static async start(databaseUrl: string, identityUrl: string, recovery?: Partial<RecoveryOptions>, busRetry?: RetryPolicy): Promise<ProvisioningHarness> {
    const broker = new InProcessBroker(4);
    const definition = createProvisioningService({ recovery });
    const connectors = new InProcessBus(broker, { service: 'test-connectors', logger: silent });
    const commands: SeenCommand[] = [];
    for (const topic of commandTopicNames) {
      connectors.subscribe(topic, async (payload) => void commands.push({ topic, payload } as SeenCommand), { group: 'test-connectors' });
    }
    const deadLetteredCommands: Payload<'parley.provisioning.command.dead-lettered.v1'>[] = [];
    connectors.subscribe('parley.provisioning.command.dead-lettered.v1', async (payload) => void deadLetteredCommands.push(payload), { group: 'test-identity' });
    await connectors.start();
    const { service } = await startServiceInProcess(definition, {
      databaseUrl,
      broker,
      logger: silent,
      internalToken: INTERNAL_TOKEN,
      peers: { identity: identityUrl },
      ...(busRetry ? { busRetry } : {}),
    });
    return new ProvisioningHarness(commands, deadLetteredCommands, service, broker, connectors);
  }

  get url(): string {
    return this.service.url;
  }

  async stop(): Promise<void> {
    await this.service.stop();
  }

  /** Publishes an event as a connector (or identity) would; returns the record so a test can deliver it again. */
  async publish<T extends TopicName>(topic: T, payload: PayloadIn<T>, producer = 'test-connectors'): Promise<OutgoingRecord> {
    const record = toOutgoingRecord(topic, payload, producer);
    await this.connectors.publishRecords([record]);
    return record;
  }

  /**
   * Publishes identity's answer to a connector's result (`parley.identity.account.recorded.v1`), as identity does
   * once it has recorded the guest or mirror: what provisioning settles a task on.
   */
  async recorded<T extends ResultTopic>(topic: T, payload: PayloadIn<T>): Promise<OutgoingRecord> {
    return this.publish('parley.identity.account.recorded.v1', recordedFor(topic, payload), 'identity');
  }

  /** Delivers exactly the same record again (same event id), as a redelivery after a crash would. */
  async replay(record: OutgoingRecord): Promise<void> {
    await this.connectors.publishRecords([record]);
  }

  /** Waits until every message on the broker so far has been handled. */
  async settle(): Promise<void> {
    await this.broker.drain();
  }

  commandsOf(syncId: string, topics: readonly CommandTopic[] = taskTopics): SeenCommand[] {
    return this.commands.filter((c) => c.payload.syncId === syncId && topics.includes(c.topic));
  }

  async call(path: string, init: { method?: string; body?: unknown; rawBody?: string; token?: string | null } = {}): Promise<Response> {
    const token = init.token === undefined ? INTERNAL_TOKEN : init.token;
    const body = init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
    return fetch(`${this.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body,
    });
  }

  async view(orgId: string, syncId: string): Promise<UserSyncView> {
    const route = internalRoutes.provisioning.userSync;
    const response = await this.call(routePath(route, { orgId, syncId }));
    if (response.status !== 200) throw new Error(`GET sync answered ${response.status}: ${await response.text()}`);
    return route.response.parse(await response.json());
  }

  /** Polls the job until the predicate holds. */
  async waitForSync(orgId: string, syncId: string, ok: (view: UserSyncView) => boolean, what: string, timeoutMs = 20_000): Promise<UserSyncView> {
    return eventually(() => this.view(orgId, syncId), ok, what, timeoutMs);
  }
}

/** The connectors' results identity records (and answers); their failures it does not. */
export type ResultTopic = 'parley.teams.guest.created.v1' | 'parley.teams.guest.disabled.v1' | 'parley.slack.mirror.created.v1' | 'parley.slack.mirror.deactivated.v1';

/** identity's answer to one connector result, as ManagedAccountsHandler makes it for a person it knows. */
export function recordedFor<T extends ResultTopic>(topic: T, payload: PayloadIn<T>): PayloadIn<'parley.identity.account.recorded.v1'> {
  const answers = { topic, eventId: randomUUID() };
  const ids = { orgId: payload.orgId, syncId: payload.syncId, personId: payload.personId };
  if (topic === 'parley.teams.guest.created.v1') {
    const e = payload as PayloadIn<'parley.teams.guest.created.v1'>;
    const state = e.signIn.status === 'ok' ? { status: 'active' as const } : { status: 'needs_attention' as const, attentionReason: e.signIn.reason };
    return { ...ids, action: 'create_guest', account: { platform: 'teams', kind: 'guest', platformUserId: e.guestUserId, ...state }, answers };
  }
  if (topic === 'parley.teams.guest.disabled.v1') {
    const e = payload as PayloadIn<'parley.teams.guest.disabled.v1'>;
    return { ...ids, action: 'disable_guest', account: { platform: 'teams', kind: 'guest', platformUserId: e.guestUserId, status: 'deactivated' }, answers };
  }
  const e = payload as PayloadIn<'parley.slack.mirror.created.v1'>;
  const created = topic === 'parley.slack.mirror.created.v1';
  return {
    ...ids,
    action: created ? 'create_mirror' : 'deactivate_mirror',
    account: { platform: 'slack', kind: 'mirror', platformUserId: e.mirrorId, status: created ? 'active' : 'deactivated' },
    answers,
  };
}

export async function eventually<T>(read: () => Promise<T> | T, ok: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(value).slice(0, 2_000)}`);
    await sleep(50);
  }
}

export const newOrgId = (): string => `org_${uniqueSuffix()}`;
const at = '2026-11-27T10:00:00.000Z';

/** A Slack and a Teams connection as identity shows them (no secrets). */
export function connectionsFor(orgId: string, teamIds = ['team-eng', 'team-all']) {
  const slack = {
    id: randomUUID(),
    orgId,
    platform: 'slack' as const,
    settings: {
      platform: 'slack' as const,
      teamId: 'T0ACME',
      teamName: 'Acme',
      botUserId: 'UBOT0001',
      apiUrl: 'http://127.0.0.1:4010/api/',
      scimUrl: 'http://127.0.0.1:4010/scim/v2',
      scim: true,
      scopes: ['users:read', 'users:read.email', 'chat:write', 'chat:write.customize'],
    },
    createdAt: at,
  };
  const teams = {
    id: randomUUID(),
    orgId,
    platform: 'teams' as const,
    settings: {
      platform: 'teams' as const,
      tenantId: 'contoso-tenant',
      clientId: 'parley-app',
      homeTenantId: 'parley-home-tenant',
      homeTenantDomain: 'parleyhome.onmicrosoft.com',
      teamIds,
      teamOwnerUsername: 'owner@contoso.onmicrosoft.com',
      authorityUrl: 'https://127.0.0.1:4020',
      graphUrl: 'https://127.0.0.1:4020/v1.0',
    },
    createdAt: at,
  };
  return { slack, teams };
}

let counter = 0;
export const account = {
  slack: (status: AccountView['status'] = 'active'): AccountView => ({ platform: 'slack', kind: 'native', status, platformUserId: `U${(++counter).toString().padStart(8, '0')}` }),
  teams: (status: AccountView['status'] = 'active', consented?: boolean): AccountView => ({
    platform: 'teams',
    kind: 'native',
    status,
    platformUserId: randomUUID(),
    ...(consented === undefined ? {} : { consented }),
  }),
  guest: (status: AccountView['status'] = 'active'): AccountView => ({ platform: 'teams', kind: 'guest', status, platformUserId: randomUUID() }),
  mirror: (status: AccountView['status'] = 'active'): AccountView => ({ platform: 'slack', kind: 'mirror', status, platformUserId: `W${(++counter).toString().padStart(8, '0')}` }),
};

export function personOf(orgId: string, name: string, accounts: AccountView[], status: 'active' | 'deactivated' = 'active') {
  return {
    id: randomUUID(),
    orgId,
    email: `${name.toLowerCase().replace(/[^a-z0-9]+/g, '.')}@acme.example`,
    displayName: name,
    primaryPlatform: accounts.find((a) => a.kind === 'native')?.platform ?? null,
    status,
    accounts,
    createdAt: at,
    updatedAt: at,
  };
}

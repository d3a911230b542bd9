import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { email as emailSchema, type Payload, type PayloadIn } from '@parley/contracts';
import type { BusEntry } from '@parley/messaging';
import type { Logger } from '@parley/observability';
import type { IdempotentConsumer, Outbox } from '@parley/persistence';
import { DATA_SOURCE, IDEMPOTENT_CONSUMER, LOGGER, OUTBOX } from '@parley/service-runtime';
import { GraphRequestError, type ConnectionGraph, type GraphAccess } from '@parley/teams-connector-graph-access';
import { refusalReason } from '../failures';
import { GRAPH_ACCESS } from '../graph.providers';
import { chunked, DirectoryStore } from './directory-store';

type ImportRequested = Payload<'parley.teams.directory.import.requested.v1'>;
type Observation = PayloadIn<'parley.directory.user.observed.v1'>;

const CONSUMER = 'teams-connector.directory-import';
const SELECT = 'id,displayName,mail,userPrincipalName,accountEnabled,userType';
export const FULL_READ = `/users/delta?$select=${SELECT}`;

/** One user as /users/delta returns it: a current member or guest, or a removal (`@removed`, id only). */
interface DeltaUser {
  readonly id: string;
  readonly displayName?: string | null;
  readonly mail?: string | null;
  readonly userPrincipalName?: string | null;
  readonly accountEnabled?: boolean | null;
  readonly userType?: string | null;
  readonly '@removed'?: { reason?: string };
}

/** What one read of the directory found, before anything is written. */
export interface DirectoryRead {
  readonly incremental: boolean;
  readonly deltaLink: string;
  /** Current members (guests excluded), by id. */
  readonly members: Map<string, { email: string; displayName: string; enabled: boolean }>;
  /** Ids Graph reported removed. */
  readonly removed: Set<string>;
}

export type ImportOutcome = { readonly kind: 'completed'; readonly observed: number; readonly incremental: boolean } | { readonly kind: 'failed'; readonly reason: string } | { readonly kind: 'duplicate' };

/**
 * Imports the customer tenant's users for a sync (parley.teams.directory.import.requested.v1): /users/delta with the
 * app token, from the stored delta link when asked for an incremental read and one exists, else a full read. Guests
 * are skipped (Parley's own guests are guests too); removed users become deactivated observations with the email
 * remembered for their id. Every observation, the completion event and the new delta link commit in one
 * transaction, so a crash midway publishes nothing and the retry reads again.
 */
@Injectable()
export class DirectoryImporter {
  private readonly store: DirectoryStore;

  constructor(
    @Inject(GRAPH_ACCESS) private readonly graph: GraphAccess,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(IDEMPOTENT_CONSUMER) private readonly idempotent: IdempotentConsumer,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.store = new DirectoryStore(dataSource);
  }

  async handle(command: ImportRequested, eventId: string): Promise<ImportOutcome> {
    if (await this.idempotent.hasProcessed(CONSUMER, eventId)) return { kind: 'duplicate' };
    let read: DirectoryRead;
    try {
      const connection = await this.graph.forConnection(command.orgId, command.connectionId);
      read = await this.read(connection, command.incremental);
    } catch (error) {
      const reason = refusalReason(error, 'reading the Teams directory (/users/delta)');
      if (reason === null) throw error;
      return this.fail(command, eventId, reason);
    }
    return this.commit(command, eventId, read);
  }

  /** Reads every page; a stored delta link Graph no longer accepts falls back to a full read. */
  async read(connection: ConnectionGraph, incremental: boolean): Promise<DirectoryRead> {
    const stored = incremental ? await this.store.deltaLink(connection.connectionId) : null;
    if (stored) {
      try {
        return await this.readFrom(connection, stored, true);
      } catch (error) {
        // 400 (bad token), 404 or 410 (sync state gone): Graph wants a full resync.
        if (!(error instanceof GraphRequestError) || ![400, 404, 410].includes(error.status)) throw error;
        this.logger.warn({ connectionId: connection.connectionId, status: error.status }, 'stored delta link refused, reading the whole directory');
      }
    }
    return this.readFrom(connection, FULL_READ, false);
  }

  private async readFrom(connection: ConnectionGraph, start: string, incremental: boolean): Promise<DirectoryRead> {
    const api = connection.app('customer');
    // The last record of each id wins: a user changed while the pages were read shows up again later.
    const latest = new Map<string, DeltaUser>();
    let deltaLink: string | undefined;
    for await (const page of api.pages<DeltaUser>(start)) {
      for (const user of page.value) {
        latest.delete(user.id);
        latest.set(user.id, user);
      }
      deltaLink = page.deltaLink ?? deltaLink;
    }
    if (!deltaLink) throw new GraphRequestError(502, null, 'the last /users/delta page had no @odata.deltaLink', 'GET /users/delta');

    // An incremental answer may carry only the properties that changed: fall back to the email remembered for the id.
    const withoutAddress = [...latest.values()].filter((u) => !u['@removed'] && !u.mail && !u.userPrincipalName).map((u) => u.id);
    const remembered = withoutAddress.length ? await this.store.emailsOf(connection.connectionId, withoutAddress) : new Map<string, string>();
    const members = new Map<string, { email: string; displayName: string; enabled: boolean }>();
    const removed = new Set<string>();
    for (const user of latest.values()) {
      if (user['@removed']) {
        removed.add(user.id);
        continue;
      }
      if (user.userType === 'Guest') continue;
      const address = emailSchema.safeParse(user.mail ?? user.userPrincipalName ?? remembered.get(user.id) ?? '');
      if (!address.success) {
        this.logger.warn({ userId: user.id }, 'directory user without a usable email, skipped');
        continue;
      }
      members.set(user.id, { email: address.data, displayName: user.displayName || address.data, enabled: user.accountEnabled !== false });
    }
    return { incremental, deltaLink, members, removed };
  }

  private async commit(command: ImportRequested, eventId: string, read: DirectoryRead): Promise<ImportOutcome> {
    const { connectionId } = command;
    // Who left: reported removed (incremental), or remembered but absent from a full read.
    const gone = new Set(read.removed);
    if (!read.incremental) for (const id of (await this.store.allUsers(connectionId)).keys()) if (!read.members.has(id)) gone.add(id);
    const goneEmails = await this.store.emailsOf(connectionId, [...gone]);
    const observedAt = new Date().toISOString();
    const observation = (id: string, email: string, displayName: string, deactivated: boolean): Observation => ({
      orgId: command.orgId,
      syncId: command.syncId,
      platform: 'teams',
      platformUserId: id,
      email,
      displayName,
      isBot: false,
      isDeactivated: deactivated,
      observedAt,
    });
    const observations: Observation[] = [];
    for (const [id, user] of read.members) observations.push(observation(id, user.email, user.displayName, !user.enabled));
    for (const [id, email] of goneEmails) observations.push(observation(id, email, email, true));
    const unknownGone = gone.size - goneEmails.size;
    if (unknownGone > 0) this.logger.info({ connectionId, count: unknownGone }, 'removed users never seen before, nothing to report for them');

    const outcome = await this.idempotent.run(CONSUMER, eventId, async (manager) => {
      await this.store.saveDeltaLink(manager, command.orgId, connectionId, read.deltaLink);
      await this.store.remember(manager, connectionId, [...read.members].map(([id, user]) => ({ id, email: user.email })));
      await this.store.forget(manager, connectionId, [...gone]);
      for (const chunk of chunked(observations)) {
        await this.outbox.enqueueAll(manager, chunk.map((payload): BusEntry => ({ topic: 'parley.directory.user.observed.v1', payload })));
      }
      await this.outbox.enqueue(manager, 'parley.directory.import.completed.v1', {
        orgId: command.orgId,
        syncId: command.syncId,
        connectionId,
        platform: 'teams',
        observed: observations.length,
        incremental: read.incremental,
      });
    });
    if (outcome === 'duplicate') return { kind: 'duplicate' };
    this.logger.info({ connectionId, observed: observations.length, incremental: read.incremental }, 'Teams directory imported');
    return { kind: 'completed', observed: observations.length, incremental: read.incremental };
  }

  private async fail(command: ImportRequested, eventId: string, reason: string): Promise<ImportOutcome> {
    this.logger.warn({ connectionId: command.connectionId, reason }, 'Teams directory import failed');
    const outcome = await this.idempotent.run(CONSUMER, eventId, (manager) =>
      this.outbox.enqueue(manager, 'parley.directory.import.failed.v1', {
        orgId: command.orgId,
        syncId: command.syncId,
        connectionId: command.connectionId,
        platform: 'teams',
        reason,
      }),
    );
    return outcome === 'duplicate' ? { kind: 'duplicate' } : { kind: 'failed', reason };
  }

}

import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { Payload, Platform } from '@parley/contracts';
import type { ConnectionView } from '@parley/internal-api';
import type { Logger } from '@parley/observability';
import { inTransaction, type IdempotentConsumer, type Outbox } from '@parley/persistence';
import { DATA_SOURCE, IDEMPOTENT_CONSUMER, LOGGER, OUTBOX } from '@parley/service-runtime';
import { IdentityDirectory, permanentIdentityFailure } from '../identity/identity-directory';
import { SyncStore } from '../syncs/sync-store';

export const platformNames: Record<Platform, string> = { slack: 'Slack', teams: 'Microsoft Teams' };

/** What an admin reads when a platform is not connected: which one, and how to connect it. */
export function missingConnectionsReason(missing: readonly Platform[]): string {
  const names = missing.map((p) => platformNames[p]).join(' and ');
  const how = missing.map((p) => `platform "${p}"`).join(' and ');
  return `no ${names} connection: connect ${missing.length > 1 ? 'both platforms' : 'it'} (POST /v1/connections with ${how}) before running a user sync`;
}

/**
 * Takes a queued job to `running / importing`: finds the org's Slack and Teams connections in identity and asks
 * both connectors to import their directory. Without both connections the job fails with a reason for the admin.
 */
@Injectable()
export class SyncStarter {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(IDEMPOTENT_CONSUMER) private readonly idempotent: IdempotentConsumer,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SyncStore) private readonly syncs: SyncStore,
    @Inject(IdentityDirectory) private readonly identity: IdentityDirectory,
  ) {}

  /** Applied once per sync.requested event; the recovery sweep calls it without one for a job left queued. */
  async start(syncId: string, eventId?: string): Promise<void> {
    const sync = await this.syncs.find(syncId);
    if (!sync || sync.status !== 'queued') return;
    let connections: ConnectionView[] = [];
    let refusal: string | undefined;
    try {
      connections = await this.identity.connections(sync.org_id);
    } catch (error) {
      refusal = permanentIdentityFailure(error);
      // identity unreachable or overloaded: the bus retries the event, and the recovery sweep after that.
      if (refusal === undefined) throw error;
    }
    const effect = (manager: EntityManager) => this.apply(manager, syncId, connections, refusal);
    if (eventId) await this.idempotent.run('provisioning.sync-requested', eventId, effect);
    else await inTransaction(this.dataSource, effect);
  }

  private async apply(manager: EntityManager, syncId: string, connections: readonly ConnectionView[], refusal: string | undefined): Promise<void> {
    const sync = await this.syncs.lock(manager, syncId);
    if (!sync || sync.status !== 'queued') return;
    if (refusal !== undefined) {
      await this.syncs.fail(manager, syncId, `could not read the organization's connections: ${refusal}`);
      return;
    }
    const slack = connections.find((c) => c.platform === 'slack' && c.orgId === sync.org_id);
    const teams = connections.find((c) => c.platform === 'teams' && c.orgId === sync.org_id);
    if (!slack || !teams || teams.settings.platform !== 'teams') {
      const missing: Platform[] = [...(slack ? [] : ['slack' as const]), ...(teams ? [] : ['teams' as const])];
      const reason = missingConnectionsReason(missing);
      this.logger.info({ syncId, reason }, 'user sync cannot start');
      await this.syncs.fail(manager, syncId, reason);
      return;
    }
    await manager.query(
      `UPDATE provisioning.user_syncs
       SET status = 'running', phase = 'importing', started_at = now(), updated_at = now(), team_ids = $2::jsonb
       WHERE id = $1`,
      [syncId, JSON.stringify(teams.settings.teamIds)],
    );
    await manager.query(
      `INSERT INTO provisioning.user_sync_imports (sync_id, platform, connection_id) VALUES ($1, 'slack', $2), ($1, 'teams', $3)
       ON CONFLICT DO NOTHING`,
      [syncId, slack.id, teams.id],
    );
    const request = (connectionId: string): Payload<'parley.slack.directory.import.requested.v1'> => ({
      orgId: sync.org_id,
      syncId,
      connectionId,
      // The connector reads everything when it has no delta link yet.
      incremental: true,
    });
    await this.outbox.enqueueAll(manager, [
      { topic: 'parley.slack.directory.import.requested.v1', payload: request(slack.id) },
      { topic: 'parley.teams.directory.import.requested.v1', payload: request(teams.id) },
    ]);
    this.logger.info({ syncId, orgId: sync.org_id, mode: sync.mode }, 'user sync started: importing directories');
  }
}

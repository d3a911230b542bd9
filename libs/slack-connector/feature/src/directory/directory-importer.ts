import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { Payload } from '@parley/contracts';
import type { Logger } from '@parley/observability';
import { inTransaction, type IdempotentConsumer, type Outbox } from '@parley/persistence';
import { DATA_SOURCE, IDEMPOTENT_CONSUMER, LOGGER, OUTBOX } from '@parley/service-runtime';
import { describeForAdmin, isAdminFixable, SlackApiError, TOKEN_REFUSED_CODES, type SlackMember } from '@parley/slack-connector-slack-access';
import { SLACK_CONNECTOR_CONFIG, type SlackConnectorConfig } from '../config';
import { SlackClients } from '../connections/slack-clients';
import { ConnectionNotFoundError, NotASlackConnectionError, SlackConnections } from '../connections/slack-connections';
import { planObservations, type Observation } from './member-mapping';

type ImportRequest = Payload<'parley.slack.directory.import.requested.v1'>;

const CONSUMER = 'slack-connector.directory-import';
/** users.list page size: Slack's recommended maximum. */
const PAGE_SIZE = 200;

/**
 * Reads a workspace's members with users.list and tells identity about each one, then that the import is complete.
 * Big workspaces are written in chunks (one outbox transaction each); which members were already published for a
 * sync is recorded with them, so a crash mid-way and the redelivery publish every member exactly once and the
 * completion event, last, carries that exact count.
 */
@Injectable()
export class DirectoryImporter {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(IDEMPOTENT_CONSUMER) private readonly idempotent: IdempotentConsumer,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SLACK_CONNECTOR_CONFIG) private readonly config: SlackConnectorConfig,
    private readonly connections: SlackConnections,
    private readonly clients: SlackClients,
  ) {}

  async run(request: ImportRequest, eventId: string): Promise<void> {
    if (await this.alreadyCompleted(request)) {
      this.logger.info({ syncId: request.syncId }, 'Slack directory import already completed for this sync, skipping');
      return;
    }

    let connection;
    try {
      connection = await this.connections.withTokens(request.orgId, request.connectionId);
    } catch (error) {
      if (error instanceof ConnectionNotFoundError || error instanceof NotASlackConnectionError) return this.fail(request, eventId, error.message);
      throw error;
    }

    const members: SlackMember[] = [];
    try {
      for await (const page of this.clients.webApiFor(connection).listMembers(PAGE_SIZE)) members.push(...page);
    } catch (error) {
      if (!isAdminFixable(error)) throw error;
      if (error instanceof SlackApiError && TOKEN_REFUSED_CODES.has(error.code)) this.connections.forget(request.orgId, request.connectionId);
      return this.fail(request, eventId, describeForAdmin(error));
    }

    const teamId = connection.settings.teamId;
    const mirrorRows: { slack_user_id: string }[] = await this.dataSource.query(
      'SELECT slack_user_id FROM slack_connector.scim_mirrors WHERE team_id = $1',
      [teamId],
    );
    const plan = planObservations(members, {
      orgId: request.orgId,
      syncId: request.syncId,
      teamId,
      observedAt: new Date().toISOString(),
      mirrorIds: new Set(mirrorRows.map((r) => r.slack_user_id)),
    });
    const bots = plan.observations.filter((o) => o.isBot).length;
    const deactivated = plan.observations.filter((o) => o.isDeactivated).length;
    this.logger.info(
      { syncId: request.syncId, teamId, members: members.length, observed: plan.observations.length, bots, deactivated, skippedMirrors: plan.skippedMirrors },
      'Slack directory read',
    );
    if (plan.skippedWithoutEmail.length > 0) {
      this.logger.warn(
        { syncId: request.syncId, count: plan.skippedWithoutEmail.length, slackUserIds: plan.skippedWithoutEmail.slice(0, 20) },
        'Slack members without an email were skipped: they cannot be matched to anyone (is users:read.email granted?)',
      );
    }

    await this.dataSource.query(
      `INSERT INTO slack_connector.directory_imports (sync_id, connection_id, org_id, team_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (sync_id, connection_id) DO NOTHING`,
      [request.syncId, request.connectionId, request.orgId, teamId],
    );
    const chunks = chunk(plan.observations, this.config.importChunkSize);
    const last = chunks.pop() ?? [];
    for (const observations of chunks) {
      const open = await inTransaction(this.dataSource, (manager) => this.publishChunk(manager, request, observations));
      if (!open) return;
    }
    const outcome = await this.idempotent.run(CONSUMER, eventId, async (manager) => {
      if (!(await this.publishChunk(manager, request, last))) return;
      const [{ count }] = (await manager.query(
        'SELECT count(*)::int AS count FROM slack_connector.directory_import_users WHERE sync_id = $1 AND connection_id = $2',
        [request.syncId, request.connectionId],
      )) as [{ count: number }];
      await manager.query(
        `UPDATE slack_connector.directory_imports
            SET completed_at = now(), observed = $3, skipped_without_email = $4, skipped_mirrors = $5
          WHERE sync_id = $1 AND connection_id = $2`,
        [request.syncId, request.connectionId, count, plan.skippedWithoutEmail.length, plan.skippedMirrors],
      );
      await manager.query('DELETE FROM slack_connector.directory_import_users WHERE sync_id = $1 AND connection_id = $2', [request.syncId, request.connectionId]);
      await this.outbox.enqueue(manager, 'parley.directory.import.completed.v1', {
        orgId: request.orgId,
        syncId: request.syncId,
        connectionId: request.connectionId,
        platform: 'slack',
        observed: count,
        incremental: false,
      });
      this.logger.info({ syncId: request.syncId, observed: count }, 'Slack directory import completed');
    });
    if (outcome === 'duplicate') this.logger.info({ syncId: request.syncId }, 'Slack directory import request already handled');
  }

  /**
   * Publishes the observations of one chunk whose members were not yet published for this sync. Locks the import's
   * row, so concurrent deliveries take turns; false when the import was completed meanwhile (nothing is written).
   */
  private async publishChunk(manager: EntityManager, request: ImportRequest, observations: readonly Observation[]): Promise<boolean> {
    const rows: { completed_at: Date | null }[] = await manager.query(
      'SELECT completed_at FROM slack_connector.directory_imports WHERE sync_id = $1 AND connection_id = $2 FOR UPDATE',
      [request.syncId, request.connectionId],
    );
    if (!rows[0] || rows[0].completed_at) return false;
    if (observations.length === 0) return true;
    const fresh: { slack_user_id: string }[] = await manager.query(
      `INSERT INTO slack_connector.directory_import_users (sync_id, connection_id, slack_user_id)
       SELECT $1, $2, unnest($3::text[])
       ON CONFLICT DO NOTHING RETURNING slack_user_id`,
      [request.syncId, request.connectionId, observations.map((o) => o.platformUserId)],
    );
    const publish = new Set(fresh.map((r) => r.slack_user_id));
    await this.outbox.enqueueAll(
      manager,
      observations.filter((o) => publish.has(o.platformUserId)).map((payload) => ({ topic: 'parley.directory.user.observed.v1' as const, payload })),
    );
    return true;
  }

  private async alreadyCompleted(request: ImportRequest): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      'SELECT 1 FROM slack_connector.directory_imports WHERE sync_id = $1 AND connection_id = $2 AND completed_at IS NOT NULL',
      [request.syncId, request.connectionId],
    );
    return rows.length > 0;
  }

  private async fail(request: ImportRequest, eventId: string, reason: string): Promise<void> {
    this.logger.warn({ syncId: request.syncId, reason }, 'Slack directory import failed; an admin must act');
    await this.idempotent.run(CONSUMER, eventId, (manager) =>
      this.outbox.enqueue(manager, 'parley.directory.import.failed.v1', {
        orgId: request.orgId,
        syncId: request.syncId,
        connectionId: request.connectionId,
        platform: 'slack',
        reason,
      }),
    );
  }
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

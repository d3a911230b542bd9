import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { userSyncView, type UserSyncView } from '@parley/internal-api';
import { inTransaction, type Outbox } from '@parley/persistence';
import { DATA_SOURCE, OUTBOX } from '@parley/service-runtime';
import type { SyncMode } from '../plan/plan-person';
import { returningRows } from './rows';

export type SyncStatus = UserSyncView['status'];
export type SyncPhase = UserSyncView['phase'];

/** A user_syncs row as the driver reads it. */
export interface SyncRow {
  readonly id: string;
  readonly org_id: string;
  readonly mode: SyncMode;
  readonly status: SyncStatus;
  readonly phase: SyncPhase;
  readonly requested_by: string;
  readonly total: number;
  readonly done: number;
  readonly created: number;
  readonly linked: number;
  readonly unchanged: number;
  readonly disabled: number;
  readonly failed: number;
  readonly team_ids: string[] | null;
  readonly planning_started_at: Date | null;
  readonly plan_cursor: string | null;
  readonly plan_chunks: number;
  readonly created_at: Date;
  readonly started_at: Date | null;
  readonly finished_at: Date | null;
}

export const FINISHED_STATUSES: readonly SyncStatus[] = ['succeeded', 'partially_failed', 'failed'];
export const isFinished = (row: Pick<SyncRow, 'status'>): boolean => FINISHED_STATUSES.includes(row.status);

/** The view shows the first errors only; the rest stay in the table. */
export const MAX_VIEW_ERRORS = 100;
const MAX_LISTED_SYNCS = 100;

export type CreateOutcome = { readonly created: UserSyncView } | { readonly activeSyncId: string };

/** Reads and writes of user-sync jobs shared by the HTTP API and the driver. */
@Injectable()
export class SyncStore {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(OUTBOX) private readonly outbox: Outbox,
  ) {}

  /**
   * Records a queued job and its sync.requested event in one transaction. A second job for the org loses on the
   * partial unique index (never a read-then-write), and the caller learns which job is in the way.
   */
  async create(orgId: string, mode: SyncMode, requestedBy: string): Promise<CreateOutcome> {
    // The active job may finish between our failed insert and the lookup: then simply try again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const outcome = await inTransaction(this.dataSource, async (manager): Promise<CreateOutcome | undefined> => {
        const inserted: SyncRow[] = await manager.query(
          `INSERT INTO provisioning.user_syncs (org_id, mode, requested_by) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING RETURNING *`,
          [orgId, mode, requestedBy],
        );
        const row = inserted[0];
        if (row) {
          await this.outbox.enqueue(manager, 'parley.provisioning.sync.requested.v1', {
            orgId,
            syncId: row.id,
            mode,
            requestedBy,
            requestedAt: row.created_at.toISOString(),
          });
          return { created: toView(row, []) };
        }
        const active: { id: string }[] = await manager.query(
          `SELECT id FROM provisioning.user_syncs WHERE org_id = $1 AND status IN ('queued', 'running')`,
          [orgId],
        );
        return active[0] ? { activeSyncId: active[0].id } : undefined;
      });
      if (outcome) return outcome;
    }
    throw new Error(`could not record a user sync for ${orgId}: the active sync kept changing`);
  }

  async view(orgId: string, syncId: string): Promise<UserSyncView | undefined> {
    const rows: SyncRow[] = await this.dataSource.query(`SELECT * FROM provisioning.user_syncs WHERE id = $1 AND org_id = $2`, [syncId, orgId]);
    const row = rows[0];
    if (!row) return undefined;
    const errors: ErrorRow[] = await this.dataSource.query(
      `SELECT sync_id, person_id, reason FROM provisioning.sync_errors WHERE sync_id = $1 ORDER BY id LIMIT ${MAX_VIEW_ERRORS}`,
      [syncId],
    );
    return toView(row, errors);
  }

  /** The org's jobs, newest first (the latest hundred). */
  async list(orgId: string): Promise<UserSyncView[]> {
    const rows: SyncRow[] = await this.dataSource.query(
      `SELECT * FROM provisioning.user_syncs WHERE org_id = $1 ORDER BY created_at DESC, id DESC LIMIT ${MAX_LISTED_SYNCS}`,
      [orgId],
    );
    if (rows.length === 0) return [];
    const errors: ErrorRow[] = await this.dataSource.query(
      `SELECT sync_id, person_id, reason FROM (
         SELECT sync_id, person_id, reason, id, row_number() OVER (PARTITION BY sync_id ORDER BY id) AS n
         FROM provisioning.sync_errors WHERE sync_id = ANY($1::uuid[])
       ) e WHERE n <= ${MAX_VIEW_ERRORS} ORDER BY id`,
      [rows.map((r) => r.id)],
    );
    return rows.map((row) => toView(row, errors.filter((e) => e.sync_id === row.id)));
  }

  async find(syncId: string): Promise<SyncRow | undefined> {
    const rows: SyncRow[] = await this.dataSource.query(`SELECT * FROM provisioning.user_syncs WHERE id = $1`, [syncId]);
    return rows[0];
  }

  /** Locks the job's row for the rest of the transaction: every change to a job's state goes through this lock. */
  async lock(manager: EntityManager, syncId: string): Promise<SyncRow | undefined> {
    const rows: SyncRow[] = await manager.query(`SELECT * FROM provisioning.user_syncs WHERE id = $1 FOR UPDATE`, [syncId]);
    return rows[0];
  }

  async recordError(manager: EntityManager, syncId: string, personId: string | null, reason: string): Promise<void> {
    await manager.query(`INSERT INTO provisioning.sync_errors (sync_id, person_id, reason) VALUES ($1, $2, $3)`, [syncId, personId, reason]);
  }

  /** Ends a job as failed with a reason for the admin (no connection, an import failed...). Needs the row lock. */
  async fail(manager: EntityManager, syncId: string, reason: string): Promise<void> {
    await this.recordError(manager, syncId, null, reason);
    await manager.query(
      `UPDATE provisioning.user_syncs
       SET status = 'failed', phase = 'done', finished_at = now(), updated_at = now(), started_at = coalesce(started_at, now())
       WHERE id = $1`,
      [syncId],
    );
  }

  /**
   * Ends the job once it is planned and no task is pending: succeeded without failures, failed when every person
   * failed, partially_failed otherwise. Needs the row lock, so the last two results cannot both miss the end.
   */
  async finishIfComplete(manager: EntityManager, syncId: string): Promise<SyncStatus | undefined> {
    const rows = await returningRows<{ status: SyncStatus }>(
      manager,
      `UPDATE provisioning.user_syncs
       SET status = CASE WHEN failed = 0 THEN 'succeeded' WHEN failed >= total THEN 'failed' ELSE 'partially_failed' END,
           phase = 'done', finished_at = now(), updated_at = now()
       WHERE id = $1 AND status = 'running' AND phase = 'provisioning'
         AND NOT EXISTS (SELECT 1 FROM provisioning.sync_tasks WHERE sync_id = $1 AND status = 'pending')
       RETURNING status`,
      [syncId],
    );
    return rows[0]?.status;
  }
}

interface ErrorRow {
  readonly sync_id: string;
  readonly person_id: string | null;
  readonly reason: string;
}

function toView(row: SyncRow, errors: readonly ErrorRow[]): UserSyncView {
  return userSyncView.parse({
    id: row.id,
    orgId: row.org_id,
    mode: row.mode,
    status: row.status,
    phase: row.phase,
    total: row.total,
    done: row.done,
    created: row.created,
    linked: row.linked,
    unchanged: row.unchanged,
    disabled: row.disabled,
    failed: row.failed,
    errors: errors.map((e) => ({ personId: e.person_id, reason: e.reason })),
    requestedBy: row.requested_by,
    createdAt: row.created_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
  });
}

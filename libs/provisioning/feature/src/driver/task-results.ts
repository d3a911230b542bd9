import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Logger } from '@parley/observability';
import type { Outbox } from '@parley/persistence';
import { LOGGER, OUTBOX } from '@parley/service-runtime';
import { commandEntry, storedCommand } from '../plan/commands';
import type { TaskAction } from '../plan/plan-person';
import { returningRows } from '../syncs/rows';
import { isFinished, SyncStore } from '../syncs/sync-store';

/** A command is sent at most this many times when the connector reports retryable failures. */
export const MAX_COMMAND_ATTEMPTS = 3;

/** A connector's answer to one task, as the driver needs it. */
export interface TaskResult {
  readonly orgId: string;
  readonly syncId: string;
  readonly personId: string;
  readonly action: TaskAction;
  readonly outcome:
    | { readonly kind: 'done'; readonly counts: 'created' | 'disabled' }
    | { readonly kind: 'failed'; readonly reason: string; readonly retryable: boolean };
}

export type ResultEffect = 'ignored' | 'retried' | 'done' | 'failed';

/**
 * Applies connector results to tasks. A task leaves `pending` once: a replayed or late result finds it settled and
 * changes nothing. Counters move in SQL under the job's row lock, and the result that settles the last pending
 * task ends the job.
 */
@Injectable()
export class TaskResults {
  constructor(
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SyncStore) private readonly syncs: SyncStore,
  ) {}

  async apply(manager: EntityManager, result: TaskResult): Promise<ResultEffect> {
    const sync = await this.syncs.lock(manager, result.syncId);
    if (!sync || sync.org_id !== result.orgId || isFinished(sync)) return 'ignored';
    const key = [result.syncId, result.personId, result.action];
    const { outcome } = result;

    if (outcome.kind === 'failed' && outcome.retryable) {
      const retry = await returningRows<{ action: TaskAction; command: unknown; attempts: number }>(
        manager,
        `UPDATE provisioning.sync_tasks SET attempts = attempts + 1
         WHERE sync_id = $1 AND person_id = $2 AND action = $3 AND status = 'pending' AND attempts < $4
         RETURNING action, command, attempts`,
        [...key, MAX_COMMAND_ATTEMPTS],
      );
      const task = retry[0];
      if (task) {
        await this.outbox.enqueueAll(manager, [commandEntry(storedCommand(task.action, task.command))]);
        this.logger.info({ syncId: result.syncId, personId: result.personId, action: result.action, attempt: task.attempts, reason: outcome.reason }, 'retrying a task');
        return 'retried';
      }
    }

    const status = outcome.kind === 'done' ? 'done' : 'failed';
    const settled = await returningRows<{ attempts: number }>(
      manager,
      `UPDATE provisioning.sync_tasks SET status = $4, reason = $5, finished_at = now()
       WHERE sync_id = $1 AND person_id = $2 AND action = $3 AND status = 'pending' RETURNING attempts`,
      [...key, status, outcome.kind === 'failed' ? outcome.reason : null],
    );
    const task = settled[0];
    if (!task) return 'ignored';

    if (outcome.kind === 'failed') {
      const reason = outcome.retryable ? `${outcome.reason} (gave up after ${task.attempts} attempts)` : outcome.reason;
      await this.syncs.recordError(manager, result.syncId, result.personId, reason);
    }
    // A person is done when none of their tasks is pending; they count as failed when any of them failed.
    const [person]: { pending: number; failed: number }[] = await manager.query(
      `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending, count(*) FILTER (WHERE status = 'failed')::int AS failed
       FROM provisioning.sync_tasks WHERE sync_id = $1 AND person_id = $2`,
      [result.syncId, result.personId],
    );
    const personDone = person !== undefined && person.pending === 0;
    const created = outcome.kind === 'done' && outcome.counts === 'created' ? 1 : 0;
    const disabled = outcome.kind === 'done' && outcome.counts === 'disabled' ? 1 : 0;
    await manager.query(
      `UPDATE provisioning.user_syncs
       SET created = created + $2, disabled = disabled + $3, done = done + $4, failed = failed + $5, updated_at = now()
       WHERE id = $1`,
      [result.syncId, created, disabled, personDone ? 1 : 0, personDone && (person?.failed ?? 0) > 0 ? 1 : 0],
    );
    const ended = await this.syncs.finishIfComplete(manager, result.syncId);
    if (ended) this.logger.info({ syncId: result.syncId, status: ended }, 'user sync finished');
    return status;
  }

  /** Whether the task still waits for its result in a job that has not ended (locks the job's row until commit). */
  async isPending(manager: EntityManager, task: Pick<TaskResult, 'orgId' | 'syncId' | 'personId' | 'action'>): Promise<boolean> {
    const sync = await this.syncs.lock(manager, task.syncId);
    if (!sync || sync.org_id !== task.orgId || isFinished(sync)) return false;
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM provisioning.sync_tasks WHERE sync_id = $1 AND person_id = $2 AND action = $3 AND status = 'pending'`,
      [task.syncId, task.personId, task.action],
    );
    return rows.length > 0;
  }

  /**
   * A provisioning job that has heard nothing for a long time has likely lost commands or results (the embedded
   * mode's bus lives in memory). Sends each pending task's command again while it has attempts left (connectors are
   * idempotent, so a command that was only slow does no harm) and fails the tasks that have none, so the job ends.
   */
  async resendStalled(manager: EntityManager, syncId: string, stalledForMs: number): Promise<{ resent: number; gaveUp: number }> {
    const sync = await this.syncs.lock(manager, syncId);
    if (!sync || sync.status !== 'running' || sync.phase !== 'provisioning') return { resent: 0, gaveUp: 0 };
    const [{ stalled }]: { stalled: boolean }[] = await manager.query(
      `SELECT updated_at <= now() - ($2::int * interval '1 millisecond') AS stalled FROM provisioning.user_syncs WHERE id = $1`,
      [syncId, stalledForMs],
    );
    if (!stalled) return { resent: 0, gaveUp: 0 };
    // Read before sending again, so a task sent now for the last time still gets its answer.
    const exhausted: { person_id: string; action: TaskAction; attempts: number }[] = await manager.query(
      `SELECT person_id, action, attempts FROM provisioning.sync_tasks WHERE sync_id = $1 AND status = 'pending' AND attempts >= $2`,
      [syncId, MAX_COMMAND_ATTEMPTS],
    );
    const resent = await returningRows<{ action: TaskAction; command: unknown }>(
      manager,
      `UPDATE provisioning.sync_tasks SET attempts = attempts + 1
       WHERE sync_id = $1 AND status = 'pending' AND attempts < $2 RETURNING action, command`,
      [syncId, MAX_COMMAND_ATTEMPTS],
    );
    const entries = resent.map((task) => commandEntry(storedCommand(task.action, task.command)));
    for (let i = 0; i < entries.length; i += RESEND_BATCH) await this.outbox.enqueueAll(manager, entries.slice(i, i + RESEND_BATCH));
    for (const task of exhausted) {
      const connector = task.action === 'create_mirror' || task.action === 'deactivate_mirror' ? 'slack-connector' : 'teams-connector';
      const reason = `no answer from ${connector} after ${task.attempts} requests; run the sync again once it is healthy`;
      await this.apply(manager, { orgId: sync.org_id, syncId, personId: task.person_id, action: task.action, outcome: { kind: 'failed', reason, retryable: false } });
    }
    await manager.query(`UPDATE provisioning.user_syncs SET updated_at = now() WHERE id = $1`, [syncId]);
    this.logger.warn({ syncId, resent: resent.length, gaveUp: exhausted.length }, 'user sync stalled: sent pending commands again');
    return { resent: resent.length, gaveUp: exhausted.length };
  }
}

/** Outbox rows per insert when many commands are sent again at once (four parameters each). */
const RESEND_BATCH = 1_000;

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
}

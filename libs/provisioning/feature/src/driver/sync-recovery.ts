import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Logger } from '@parley/observability';
import { inTransaction } from '@parley/persistence';
import { DATA_SOURCE, LOGGER } from '@parley/service-runtime';
import { SyncPlanner } from './sync-planner';
import { SyncStarter } from './sync-starter';
import { TaskResults } from './task-results';

export const RECOVERY_OPTIONS = Symbol('PROVISIONING_RECOVERY_OPTIONS');

export interface RecoveryOptions {
  /** How often to look for stalled jobs (the first look is at start). */
  readonly intervalMs: number;
  /** A queued job, or a job that is planning, untouched for this long is picked up again. */
  readonly staleAfterMs: number;
  /** A provisioning job with no result for this long sends its pending commands again (bounded per task). */
  readonly resendAfterMs: number;
}

export const defaultRecoveryOptions: RecoveryOptions = { intervalMs: 30_000, staleAfterMs: 60_000, resendAfterMs: 10 * 60_000 };

/**
 * Picks up jobs whose driving event is gone: a sync.requested or reconciled event that was dead-lettered while
 * identity was down, or (embedded mode) lost with the in-memory bus when the process died; and provisioning jobs
 * that have heard nothing for long, whose commands or results were lost. Resuming is safe next to a live driver:
 * starting is guarded by the job's status, planning by its cursor, and re-sent commands by the connectors'
 * idempotence.
 */
@Injectable()
export class SyncRecovery implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly stopping = new AbortController();

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SyncStarter) private readonly starter: SyncStarter,
    @Inject(SyncPlanner) private readonly planner: SyncPlanner,
    @Inject(TaskResults) private readonly results: TaskResults,
    @Inject(RECOVERY_OPTIONS) private readonly options: RecoveryOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.trigger();
    this.timer = setInterval(() => this.trigger(), this.options.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.stopping.abort();
    await this.running;
  }

  private trigger(): void {
    if (this.running || this.stopping.signal.aborted) return;
    this.running = this.sweep()
      .catch((error) => this.logger.warn({ err: error }, 'user sync recovery sweep failed; trying again later'))
      .finally(() => {
        this.running = undefined;
      });
  }

  /** One pass over stalled jobs; exposed for tests. */
  async sweep(): Promise<void> {
    const stalled: { id: string; status: string }[] = await this.dataSource.query(
      `SELECT id, status FROM provisioning.user_syncs
       WHERE (status = 'queued' OR (status = 'running' AND phase = 'importing' AND planning_started_at IS NOT NULL))
         AND updated_at <= now() - ($1::int * interval '1 millisecond')
       ORDER BY created_at`,
      [this.options.staleAfterMs],
    );
    for (const job of stalled) {
      if (this.stopping.signal.aborted) return;
      this.logger.info({ syncId: job.id, status: job.status }, 'resuming a stalled user sync');
      try {
        if (job.status === 'queued') await this.starter.start(job.id);
        else await this.planner.resume(job.id, { signal: this.stopping.signal });
      } catch (error) {
        this.logger.warn({ err: error, syncId: job.id }, 'could not resume a user sync yet');
      }
    }
    const silent: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM provisioning.user_syncs
       WHERE status = 'running' AND phase = 'provisioning' AND updated_at <= now() - ($1::int * interval '1 millisecond')
       ORDER BY created_at`,
      [this.options.resendAfterMs],
    );
    for (const job of silent) {
      if (this.stopping.signal.aborted) return;
      await inTransaction(this.dataSource, (manager) => this.results.resendStalled(manager, job.id, this.options.resendAfterMs)).catch((error) =>
        this.logger.warn({ err: error, syncId: job.id }, 'could not send the commands of a stalled user sync again'),
      );
    }
  }
}

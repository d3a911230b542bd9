import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { ServiceMetrics, UserSyncProgress } from '@parley/observability';
import { DATA_SOURCE, METRICS } from '@parley/service-runtime';

/**
 * User-sync progress on `/metrics` (parley_user_syncs by status, parley_user_sync_people of the running ones), read
 * from the jobs table at each scrape: the figures are the ones the admin API shows, not a second count that could drift.
 * No org or sync ids in labels.
 */
@Injectable()
export class SyncMetrics implements OnModuleInit {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
  ) {}

  onModuleInit(): void {
    this.metrics.observeUserSyncs(() => this.read());
  }

  async read(): Promise<UserSyncProgress> {
    const rows: { status: string; count: number; total: number; done: number }[] = await this.dataSource.query(
      `SELECT status, count(*)::int AS count, COALESCE(sum(total), 0)::int AS total, COALESCE(sum(done), 0)::int AS done
         FROM provisioning.user_syncs GROUP BY status`,
    );
    const running = rows.filter((r) => r.status === 'running');
    return {
      syncs: rows.map((r) => ({ status: r.status, count: Number(r.count) })),
      runningPeopleTotal: running.reduce((sum, r) => sum + Number(r.total), 0),
      runningPeopleDone: running.reduce((sum, r) => sum + Number(r.done), 0),
    };
  }
}

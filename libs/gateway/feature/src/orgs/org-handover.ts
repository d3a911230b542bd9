import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { internalRoutes, type OrganizationView } from '@parley/internal-api';
import type { Logger } from '@parley/observability';
import { DATA_SOURCE, LOGGER } from '@parley/service-runtime';
import { PeerApi } from '../peers/peer-api';

interface LegacyOrgRow {
  id: string;
  name: string;
  created_at: Date;
}

/** How long to wait before trying again while identity is not reachable (it may start after the gateway). */
const RETRY_MS = 2_000;

/**
 * Hands the organizations an earlier version kept in the gateway's schema over to identity, which owns them now
 * (ADR 0009). Each row is sent with its id and creation time (`PUT /internal/orgs/{id}`, idempotent) and deleted
 * here only once identity answered it, so a crash or an unreachable identity loses nothing: the next start, or the
 * next try, sends what is left. Runs at start and until the table is empty; a fresh install has nothing to send.
 */
@Injectable()
export class OrgHandover implements OnApplicationBootstrap, OnApplicationShutdown {
  private running?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(PeerApi) private readonly peers: PeerApi,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.trigger();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Resolves once every waiting organization is in identity; exposed for tests. */
  async handOverAll(): Promise<number> {
    const waiting: LegacyOrgRow[] = await this.dataSource.query('SELECT id, name, created_at FROM gateway.orgs_to_hand_over ORDER BY created_at, id');
    for (const row of waiting) {
      if (this.stopped) break;
      await this.peers.send(
        internalRoutes.identity.adoptOrganization,
        { params: { orgId: row.id }, body: { name: row.name, createdAt: new Date(row.created_at).toISOString() } },
        { what: 'organization' },
      );
      await this.dataSource.query('DELETE FROM gateway.orgs_to_hand_over WHERE id = $1', [row.id]);
    }
    if (waiting.length > 0) this.logger.info({ organizations: waiting.length }, 'handed the organizations of the gateway schema over to identity');
    return waiting.length;
  }

  /** An organization still waiting to be handed over, so GET /v1/orgs/{id} answers it meanwhile. */
  async waiting(id: string): Promise<OrganizationView | undefined> {
    const [row]: LegacyOrgRow[] = await this.dataSource.query('SELECT id, name, created_at FROM gateway.orgs_to_hand_over WHERE id = $1', [id]);
    return row ? { id: row.id, name: row.name, createdAt: new Date(row.created_at).toISOString() } : undefined;
  }

  private trigger(): void {
    if (this.stopped || this.running) return;
    this.running = this.handOverAll()
      .then(() => undefined)
      .catch((error: unknown) => {
        this.logger.warn({ reason: error instanceof Error ? error.message : 'unknown' }, 'handing organizations over to identity failed; trying again');
        this.timer = setTimeout(() => this.trigger(), RETRY_MS);
        this.timer.unref();
      })
      .finally(() => {
        this.running = undefined;
      });
  }
}

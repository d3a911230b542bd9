import type { DataSource } from 'typeorm';
import type { CacheBackend } from '@parley/cache';
import type { MessageBus } from '@parley/messaging';
import type { Logger, ServiceMetrics } from '@parley/observability';
import type { IdempotentConsumer, Outbox, OutboxRelay } from '@parley/persistence';

export interface DependencyHealth {
  readonly ok: boolean;
  readonly detail: string;
}

/**
 * What a service runs on: built from Kafka, PostgreSQL and Redis in distributed mode, or from the in-process bus,
 * embedded PGlite and in-memory cache in embedded mode. Feature code sees only the ports.
 */
export interface ServiceInfrastructure {
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  readonly bus: MessageBus;
  readonly dataSource: DataSource;
  readonly outbox: Outbox;
  readonly outboxRelay: OutboxRelay;
  readonly idempotentConsumer: IdempotentConsumer;
  readonly cache: CacheBackend;
  readonly readiness: Readonly<Record<'kafka' | 'database' | 'redis', () => Promise<DependencyHealth>>>;
  /** Closes everything in dependency order; safe to call twice. */
  close(): Promise<void>;
}

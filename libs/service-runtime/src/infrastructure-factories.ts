import type { DataSource } from 'typeorm';
import { createRedisConnection, type CacheBackend } from '@parley/cache';
import type { DatabaseConfig, KafkaConfig, RedisConfig } from '@parley/config';
import { KafkaBus, type InProcessBroker, InProcessBus, type MessageBus, type RetryPolicy } from '@parley/messaging';
import type { Logger, ServiceMetrics } from '@parley/observability';
import {
  createServiceDataSource,
  databaseHealth,
  IdempotentConsumer,
  initializeAndMigrate,
  Outbox,
  OutboxRelay,
} from '@parley/persistence';
import type { DependencyHealth, ServiceInfrastructure } from './infrastructure';
import type { ServiceDefinition } from './service-definition';

interface Common {
  readonly definition: ServiceDefinition;
  readonly schema: string;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
}

export interface DistributedSettings extends Common {
  readonly kafka: KafkaConfig;
  readonly database: DatabaseConfig;
  readonly redis: RedisConfig;
}

export interface EmbeddedSettings extends Common {
  readonly broker: InProcessBroker;
  readonly databaseUrl: string;
  readonly cache: CacheBackend;
  /** The bus's retries; the default policy when absent (tests shorten it to see a dead letter soon). */
  readonly retry?: RetryPolicy;
}

/** Kafka, PostgreSQL and Redis, each checked for readiness by its own connection. */
export async function createDistributedInfrastructure(s: DistributedSettings): Promise<ServiceInfrastructure> {
  const bus = new KafkaBus({
    brokers: s.kafka.brokers,
    clientId: s.kafka.clientId,
    service: s.definition.name,
    layout: { prefix: s.kafka.topicPrefix, partitions: s.kafka.partitions, replicationFactor: s.kafka.replicationFactor },
    retry: { maxAttempts: s.kafka.maxAttempts, baseDelayMs: s.kafka.retryBaseMs, maxDelayMs: 30_000, transientForMs: s.kafka.transientRetryMs },
    partitionConcurrency: s.kafka.partitionConcurrency,
    keyConcurrency: s.kafka.keyConcurrency,
    logger: s.logger.child({ component: 'bus' }),
    metrics: s.metrics,
  });
  const dataSource = await openDatabase(s, s.database.url.reveal(), s.database.poolSize, s.database.preparedStatements);
  const redis = await createRedisConnection(s.redis.url, {
    keyPrefix: s.definition.name,
    onError: (error) => s.logger.warn({ err: error.message }, 'redis connection error'),
  });
  return assemble(s, bus, dataSource, redis, {
    kafka: () => bus.health(),
    database: () => databaseHealth(dataSource),
    redis: async () => {
      const report = await redis.health.check(1_000);
      return report.healthy ? { ok: true, detail: `ping ${report.latencyMs} ms` } : { ok: false, detail: report.reason };
    },
  });
}

/** Every service of the process on one in-process broker, one embedded database and one in-memory cache. */
export async function createEmbeddedInfrastructure(s: EmbeddedSettings): Promise<ServiceInfrastructure> {
  const bus = new InProcessBus(s.broker, { service: s.definition.name, logger: s.logger.child({ component: 'bus' }), metrics: s.metrics, ...(s.retry ? { retry: s.retry } : {}) });
  // PGlite serves every connection from one session: named statements of two connections would collide there.
  const dataSource = await openDatabase(s, s.databaseUrl, 4, false);
  const local = async (): Promise<DependencyHealth> => ({ ok: true, detail: 'embedded' });
  return assemble(s, bus, dataSource, { ...s.cache, close: async () => undefined }, {
    kafka: () => bus.health(),
    database: () => databaseHealth(dataSource),
    redis: local,
  });
}

async function openDatabase(s: Common, url: string, poolSize: number, preparedStatements: boolean): Promise<DataSource> {
  const dataSource = createServiceDataSource({
    url,
    poolSize,
    preparedStatements,
    schema: s.schema,
    entities: s.definition.entities ?? [],
    migrations: s.definition.migrations,
    logger: s.logger,
  });
  await initializeAndMigrate(dataSource, s.schema, s.logger);
  return dataSource;
}

function assemble(
  s: Common,
  bus: MessageBus,
  dataSource: DataSource,
  cache: CacheBackend,
  readiness: ServiceInfrastructure['readiness'],
): ServiceInfrastructure {
  const outbox = new Outbox(s.schema, s.definition.name);
  const outboxRelay = new OutboxRelay(dataSource, bus, outbox, s.logger.child({ component: 'outbox' }), { schema: s.schema });
  // Read at each scrape of /metrics: the SRE figures for scaling (lag) and alerting (backlog, oldest row).
  s.metrics.observeConsumerLag(async () => (await bus.consumerLag?.()) ?? []);
  s.metrics.observeOutbox(async () => [await outboxRelay.backlog()]);
  let closed = false;
  return {
    logger: s.logger,
    metrics: s.metrics,
    bus,
    dataSource,
    outbox,
    outboxRelay,
    idempotentConsumer: new IdempotentConsumer(dataSource, s.schema),
    cache,
    readiness,
    close: async () => {
      if (closed) return;
      closed = true;
      await outboxRelay.stop();
      await bus.stop();
      await dataSource.destroy().catch(() => undefined);
      await cache.close();
    },
  };
}

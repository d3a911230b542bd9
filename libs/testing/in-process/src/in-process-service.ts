import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createInMemoryCache, type CacheBackend } from '@parley/cache';
import { Secret } from '@parley/config';
import { InProcessBroker, type MessageBus, type RetryPolicy } from '@parley/messaging';
import { createLogger, ServiceMetrics, type Logger } from '@parley/observability';
import {
  createEmbeddedInfrastructure,
  InternalApiAccess,
  services,
  startService,
  type PeerName,
  type RunningService,
  type ServiceDefinition,
  type ServiceInfrastructure,
} from '@parley/service-runtime';

export interface InProcessServiceOptions {
  /** The PostgreSQL database the service migrates its schema into (see createFreshDatabase). */
  readonly databaseUrl: string;
  /** The service's schema; by default the one the service catalog gives it. */
  readonly schema?: string;
  /** Pass the broker the test's own buses use (observers, stand-ins for peers); by default one of 4 partitions. */
  readonly broker?: InProcessBroker;
  /** By default an in-memory cache of its own. */
  readonly cache?: CacheBackend;
  /** The internal API bearer the service accepts and sends to its peers; by default a random one (see `internalToken`). */
  readonly internalToken?: string;
  /** URLs of the peers' internal APIs (stubs or real services); more can be set later through `internalApi.setUrl`. */
  readonly peers?: Partial<Record<PeerName, string>>;
  /** The service's own parsed configuration sections (`SERVICE_CONFIG`), as runService would pass them. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** By default a silent logger. */
  readonly logger?: Logger;
  /** By default the service's metrics without Node's default metrics. */
  readonly metrics?: ServiceMetrics;
  /** The service's bus retries; by default the production policy (a test shortens it to see a dead letter soon). */
  readonly busRetry?: RetryPolicy;
}

export interface InProcessService {
  readonly service: RunningService;
  /** Where the service listens (loopback, an ephemeral port). */
  readonly url: string;
  /** The Nest application, to reach a provider: `app.get(SomeService)`. */
  readonly app: RunningService['app'];
  readonly broker: InProcessBroker;
  /** The service's own bus on the broker: publishing on it is publishing as the service. */
  readonly bus: MessageBus;
  readonly dataSource: DataSource;
  readonly infra: ServiceInfrastructure;
  readonly internalApi: InternalApiAccess;
  readonly internalToken: string;
  /** Stops the service (in-flight work finishes) and closes its infrastructure; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * One service started in-process for a lib's integration tests, as the embedded launcher starts it: the in-process
 * bus instead of Kafka, an in-memory cache instead of Redis, real PostgreSQL, real HTTP on loopback.
 */
export async function startServiceInProcess(definition: ServiceDefinition, options: InProcessServiceOptions): Promise<InProcessService> {
  const broker = options.broker ?? new InProcessBroker(4);
  const internalToken = options.internalToken ?? `internal-${randomBytes(24).toString('base64url')}`;
  const infra = await createEmbeddedInfrastructure({
    definition,
    schema: options.schema ?? services[definition.name].schema,
    logger: options.logger ?? createLogger({ service: definition.name, level: 'silent' }),
    metrics: options.metrics ?? new ServiceMetrics(definition.name, { defaultMetrics: false }),
    broker,
    databaseUrl: options.databaseUrl,
    cache: options.cache ?? createInMemoryCache(),
    ...(options.busRetry ? { retry: options.busRetry } : {}),
  });
  const internalApi = new InternalApiAccess(new Secret(internalToken), { ...options.peers });
  let service: RunningService;
  try {
    service = await startService(definition, infra, { host: '127.0.0.1', port: 0 }, { internalApi, config: options.config ?? {} });
  } catch (error) {
    await infra.close();
    throw error;
  }
  return {
    service,
    url: service.url,
    app: service.app,
    broker,
    bus: infra.bus,
    dataSource: infra.dataSource,
    infra,
    internalApi,
    internalToken,
    stop: () => service.stop(),
  };
}

import { z } from 'zod';
import { Secret } from './secret';
import { defineConfigSection, env } from './load-config';

/** How this process runs: every service in one process on in-process adapters, or one service on real servers. */
export const runtimeSection = defineConfigSection(
  'runtime',
  {
    PARLEY_MODE: env.oneOf(['embedded', 'distributed'] as const, 'distributed'),
    LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    /** `auto`: readable lines (pino-pretty) when stdout is a terminal, JSON lines otherwise. */
    LOG_FORMAT: env.oneOf(['auto', 'json', 'pretty'] as const, 'auto'),
    PARLEY_SHUTDOWN_TIMEOUT_MS: env.int(15_000, 100),
  },
  (v) => ({ mode: v.PARLEY_MODE, logLevel: v.LOG_LEVEL, logFormat: v.LOG_FORMAT, shutdownTimeoutMs: v.PARLEY_SHUTDOWN_TIMEOUT_MS }),
);

export const httpSection = (defaultPort: number) =>
  defineConfigSection(
    'http',
    { HTTP_HOST: z.string().default('0.0.0.0'), HTTP_PORT: env.port(defaultPort) },
    (v) => ({ host: v.HTTP_HOST, port: v.HTTP_PORT }),
  );

export const kafkaSection = defineConfigSection(
  'kafka',
  {
    KAFKA_BROKERS: env.hostPortList(),
    KAFKA_CLIENT_ID: z.string().default('parley'),
    KAFKA_TOPIC_PREFIX: z.string().regex(/^[a-z0-9._-]*$/, 'lowercase letters, digits, dot, dash, underscore').default(''),
    KAFKA_TOPIC_PARTITIONS: env.int(12, 1),
    KAFKA_REPLICATION_FACTOR: env.int(1, 1),
    MESSAGING_MAX_ATTEMPTS: env.int(5, 1),
    MESSAGING_RETRY_BASE_MS: env.int(200, 0),
    // A failure that says a peer or the database is down (a restart) is retried this long before dead-lettering.
    MESSAGING_TRANSIENT_RETRY_MS: env.int(180_000, 0),
    MESSAGING_PARTITION_CONCURRENCY: env.int(12, 1),
    // Messages of different keys worked at once within one partition (ADR 0012); 1 = one at a time.
    MESSAGING_KEY_CONCURRENCY: env.int(4, 1),
  },
  (v) => ({
    brokers: v.KAFKA_BROKERS,
    clientId: v.KAFKA_CLIENT_ID,
    topicPrefix: v.KAFKA_TOPIC_PREFIX,
    partitions: v.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: v.KAFKA_REPLICATION_FACTOR,
    maxAttempts: v.MESSAGING_MAX_ATTEMPTS,
    retryBaseMs: v.MESSAGING_RETRY_BASE_MS,
    transientRetryMs: v.MESSAGING_TRANSIENT_RETRY_MS,
    partitionConcurrency: v.MESSAGING_PARTITION_CONCURRENCY,
    keyConcurrency: v.MESSAGING_KEY_CONCURRENCY,
  }),
);

export const databaseSection = defineConfigSection(
  'database',
  {
    DATABASE_URL: env.url(['postgres', 'postgresql']).transform((value) => new Secret(value)),
    DATABASE_POOL_SIZE: env.int(10, 1),
    /** Parameterised queries as named prepared statements, parsed and planned once per connection (ADR 0049). */
    DATABASE_PREPARED_STATEMENTS: env.bool(true),
  },
  (v) => ({ url: v.DATABASE_URL as Secret, poolSize: v.DATABASE_POOL_SIZE, preparedStatements: v.DATABASE_PREPARED_STATEMENTS }),
);

export const redisSection = defineConfigSection(
  'redis',
  { REDIS_URL: env.url(['redis', 'rediss']).transform((value) => new Secret(value)) },
  (v) => ({ url: v.REDIS_URL as Secret }),
);

export type KafkaConfig = ReturnType<typeof kafkaSection.map>;
export type DatabaseConfig = ReturnType<typeof databaseSection.map>;
export type RedisConfig = ReturnType<typeof redisSection.map>;
export type RuntimeConfig = ReturnType<typeof runtimeSection.map>;
export type HttpConfig = ReturnType<ReturnType<typeof httpSection>['map']>;

/**
 * Service-to-service HTTP: the shared bearer every `/internal/...` call carries, and where each peer listens.
 * The defaults are the catalog's ports on loopback, which is what one machine running every service needs.
 */
export const internalApiSection = defineConfigSection(
  'internalApi',
  {
    PARLEY_INTERNAL_TOKEN: z.string().min(32).transform((value) => new Secret(value)),
    PARLEY_IDENTITY_URL: env.url(['http', 'https']).default('http://127.0.0.1:3001'),
    PARLEY_PROVISIONING_URL: env.url(['http', 'https']).default('http://127.0.0.1:3002'),
    PARLEY_SLACK_CONNECTOR_URL: env.url(['http', 'https']).default('http://127.0.0.1:3003'),
    PARLEY_TEAMS_CONNECTOR_URL: env.url(['http', 'https']).default('http://127.0.0.1:3004'),
    PARLEY_RELAY_URL: env.url(['http', 'https']).default('http://127.0.0.1:3005'),
  },
  (v) => ({
    token: v.PARLEY_INTERNAL_TOKEN as Secret,
    urls: {
      identity: trimSlash(v.PARLEY_IDENTITY_URL),
      provisioning: trimSlash(v.PARLEY_PROVISIONING_URL),
      'slack-connector': trimSlash(v.PARLEY_SLACK_CONNECTOR_URL),
      'teams-connector': trimSlash(v.PARLEY_TEAMS_CONNECTOR_URL),
      relay: trimSlash(v.PARLEY_RELAY_URL),
    },
  }),
);

const trimSlash = (url: string): string => url.replace(/\/+$/, '');

export const DEFAULT_PUBLIC_URL = 'http://localhost:3000';

/**
 * Where people's browsers reach the gateway (`PARLEY_PUBLIC_URL`): consent links send the person back to it, and the
 * consent prompts identity posts link to it. The default is the gateway on this machine, which the sandboxes' apps
 * register as a redirect URI.
 */
export const publicUrlSection = defineConfigSection(
  'gatewayPublic',
  { PARLEY_PUBLIC_URL: env.url(['http', 'https']).default(DEFAULT_PUBLIC_URL) },
  (v) => ({ publicUrl: v.PARLEY_PUBLIC_URL.replace(/\/+$/, '') }),
);
export type PublicUrlConfig = ReturnType<typeof publicUrlSection.map>;

/** The public URL from a service's parsed config; the default when the runtime passed none (tests, old launchers). */
export function publicUrlFrom(serviceConfig: Readonly<Record<string, unknown>> | undefined): string {
  const own = serviceConfig?.['gatewayPublic'] as PublicUrlConfig | undefined;
  return (own ?? publicUrlSection.map(publicUrlSection.schema.parse({}))).publicUrl;
}

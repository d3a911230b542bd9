import type { IntegrationEnv } from '@parley/testing';

/** The service-to-service bearer every test process shares. */
export const TEST_INTERNAL_TOKEN = `internal_${'t'.repeat(40)}`;

/** What every test service process needs besides its servers: the internal bearer and identity's vault key. */
export const TEST_SERVICE_SECRETS = {
  PARLEY_INTERNAL_TOKEN: TEST_INTERNAL_TOKEN,
  // identity's vault: a fixed test key (32 bytes), never used outside tests.
  PARLEY_VAULT_KEYS: `test-1:${Buffer.alloc(32, 7).toString('base64')}`,
  PARLEY_VAULT_ACTIVE_KEY: 'test-1',
} as const;

/** The environment of one distributed service process in these tests: loopback HTTP, its own topics and database. */
export function distributedServiceEnv(
  servers: IntegrationEnv,
  isolation: { topicPrefix: string; databaseUrl: string; partitions?: number },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PARLEY_MODE: 'distributed',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    KAFKA_BROKERS: servers.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: isolation.topicPrefix,
    KAFKA_TOPIC_PARTITIONS: String(isolation.partitions ?? 3),
    DATABASE_URL: isolation.databaseUrl,
    REDIS_URL: servers.redisUrl,
    LOG_LEVEL: 'info',
    ...TEST_SERVICE_SECRETS,
    ...extra,
  };
}

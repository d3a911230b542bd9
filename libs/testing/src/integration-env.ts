/**
 * Where the real servers of an integration run are. `npm test` brings them up (tools/infra) and exports these
 * variables; an integration test that finds one missing fails with this message rather than skipping.
 */
export interface IntegrationEnv {
  readonly kafkaBrokers: string[];
  readonly databaseUrl: string;
  readonly redisUrl: string;
}

export function integrationEnv(): IntegrationEnv {
  const missing = ['KAFKA_BROKERS', 'DATABASE_URL', 'REDIS_URL'].filter((name) => !process.env[name]);
  if (missing.length > 0) {
    throw new Error(
      `integration tests need real servers; missing ${missing.join(', ')}. Run them through \`npm test\` ` +
        '(it starts Kafka and checks PostgreSQL and Redis), or `npm run infra:up` and export the variables it prints.',
    );
  }
  return {
    kafkaBrokers: (process.env['KAFKA_BROKERS'] as string).split(','),
    databaseUrl: process.env['DATABASE_URL'] as string,
    redisUrl: process.env['REDIS_URL'] as string,
  };
}

/** A short random suffix for names that must not collide between test runs sharing one server. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

import { DataSource, type DataSourceOptions, type EntitySchema, type MixedList } from 'typeorm';
import { isTransientFailure } from '@parley/messaging';
import type { Logger } from '@parley/observability';
import { PreparingClient } from './prepared-statements';

export interface ServiceDatabaseOptions {
  readonly url: string;
  readonly poolSize: number;
  /** Each service owns one schema; its tables, outbox and migrations table live there. */
  readonly schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly entities?: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly migrations: MixedList<Function>;
  readonly logger: Logger;
  /**
   * Parameterised queries as named prepared statements of their connection (ADR 0049). Not for PGlite, which serves
   * every connection from one session.
   */
  readonly preparedStatements?: boolean;
}

/**
 * A TypeORM DataSource for one service's schema. `synchronize` is always off: the schema only changes through
 * migrations, which run at start under an advisory lock so that replicas starting together do not race.
 */
export function createServiceDataSource(options: ServiceDatabaseOptions): DataSource {
  if (!/^[a-z][a-z0-9_]*$/.test(options.schema)) throw new Error(`invalid schema name ${options.schema}`);
  return new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities ?? [],
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    poolSize: options.poolSize,
    extra: {
      connectionTimeoutMillis: 3_000,
      application_name: `parley-${options.schema}`,
      ...(options.preparedStatements ? { Client: PreparingClient } : {}),
    },
  });
}

/**
 * How long a starting service waits for its database to answer (ADR 0059): PostgreSQL restarting or failing over as
 * the service starts is waited for, as readiness waits for it once the service runs, rather than ended with exit 1.
 */
export const DATABASE_STARTUP_WAIT_MS = 60_000;

/**
 * Connects and runs the schema's migrations. A database that cannot be reached yet (refused, reset, starting up or
 * shutting down: isTransientFailure) is tried again with backoff, a line each time, for up to `waitMs`; any other
 * failure, or the last one, ends the start.
 */
export async function initializeAndMigrate(dataSource: DataSource, schema: string, logger: Logger, waitMs = DATABASE_STARTUP_WAIT_MS): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await migrate(dataSource, schema, logger);
      return;
    } catch (error) {
      if (!isTransientFailure(error) || Date.now() >= deadline) throw error;
      if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
      const retryInMs = Math.min(2_000, 250 * 2 ** (attempt - 1), Math.max(0, deadline - Date.now()));
      logger.warn({ err: error, schema, attempt, retryInMs }, 'database not reachable yet; trying again');
      await new Promise((resolve) => setTimeout(resolve, retryInMs));
    }
  }
}

async function migrate(dataSource: DataSource, schema: string, logger: Logger): Promise<void> {
  await dataSource.initialize();
  // Dedicated connection: a session-level advisory lock must be released on the connection that took it.
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`parley.migrations.${schema}`]);
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length > 0) logger.info({ schema, migrations: applied.map((m) => m.name) }, 'applied migrations');
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`parley.migrations.${schema}`]).catch(() => undefined);
    await runner.release();
  }
}

/** Readiness: the pool can hand out a connection and the server answers, within the timeout. */
export async function databaseHealth(dataSource: DataSource, timeoutMs = 2_000): Promise<{ ok: boolean; detail: string }> {
  if (!dataSource.isInitialized) return { ok: false, detail: 'not connected' };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      dataSource.query('SELECT 1'),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`database did not answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, detail: 'connected' };
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A second, small pool on the service's database and schema for the work that answers a platform within its deadline
 * (ADR 0052): storing a Slack event or a Graph notification before the ack. On the service's own pool it queued behind
 * whatever held every connection (inbox lanes, Kafka handlers), past the platform's 3 s, and the platform sent it again.
 * No migrations run here: the main DataSource ran them before this opens. A service provides a subclass of its own
 * (its injection token); Nest closes it with the application (onApplicationShutdown).
 */
export class DedicatedPool {
  constructor(readonly dataSource: DataSource) {}

  static async open<T extends DedicatedPool>(this: new (dataSource: DataSource) => T, main: DataSource, purpose: string, poolSize: number): Promise<T> {
    const options = main.options as DataSourceOptions & { extra?: Record<string, unknown> };
    const extra = options.extra ?? {};
    const dedicated = new DataSource({
      ...options,
      poolSize,
      migrations: [],
      migrationsRun: false,
      extra: { ...extra, application_name: `${String(extra['application_name'] ?? 'parley')}-${purpose}` },
    } as DataSourceOptions);
    await dedicated.initialize();
    return new this(dedicated);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.dataSource.destroy().catch(() => undefined);
  }
}

import { Client } from 'pg';
import { uniqueSuffix } from './integration-env';

export interface FreshDatabase {
  /** The new database's URL: the server's URL with its own database name. */
  readonly url: string;
  /** Drops the database, closing whatever connections are still open to it. */
  drop(): Promise<void>;
}

const NAME_PREFIX = /^[a-z][a-z0-9_]{0,30}$/;

/**
 * A database of its own on the shared PostgreSQL server, so test runs never see each other's rows or schemas.
 * `prefix` (lower case, digits, underscores) says whose it is when one is left behind: `parley_gw_<suffix>`.
 */
export async function createFreshDatabase(serverUrl: string, prefix = 'parley_it'): Promise<FreshDatabase> {
  if (!NAME_PREFIX.test(prefix)) throw new Error(`database name prefix ${JSON.stringify(prefix)}: use lower-case letters, digits and _ (at most 31)`);
  const name = `${prefix}_${uniqueSuffix()}`;
  const run = async (sql: string) => {
    const client = new Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** One statement on a connection of its own; the rows it returns. */
export async function queryRows<T = Record<string, unknown>>(databaseUrl: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

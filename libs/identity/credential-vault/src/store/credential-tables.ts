import { assertSchemaName, type SqlExecutor } from './sql-executor';

/**
 * The credential vault's table. identity's migration calls this with its schema; later changes get their own
 * migrations. `sealed` holds only the vault's sealed form; `key_id` repeats its key id so rotation can find what to
 * re-seal without parsing every row.
 */
export async function createCredentialTables(runner: SqlExecutor, schema: string): Promise<void> {
  assertSchemaName(schema);
  await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await runner.query(`
    CREATE TABLE "${schema}".credentials (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      org_id text NOT NULL,
      owner_kind text NOT NULL CHECK (owner_kind IN ('connection', 'account')),
      owner_id text NOT NULL,
      purpose text NOT NULL,
      sealed text NOT NULL,
      key_id text NOT NULL,
      expires_at timestamptz NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (org_id, owner_kind, owner_id, purpose)
    )`);
}

export async function dropCredentialTables(runner: SqlExecutor, schema: string): Promise<void> {
  assertSchemaName(schema);
  await runner.query(`DROP TABLE IF EXISTS "${schema}".credentials`);
}

/**
 * Anything that runs SQL: a TypeORM DataSource, EntityManager or QueryRunner. Passing the caller's EntityManager puts
 * the vault's writes in the caller's transaction.
 */
export interface SqlExecutor {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** Schema names are interpolated into SQL, so only plain identifiers pass. */
export function assertSchemaName(schema: string): void {
  if (!/^[a-z][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${JSON.stringify(schema)}`);
}

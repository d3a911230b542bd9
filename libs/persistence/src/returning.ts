/** Anything that runs SQL: a DataSource, an EntityManager, a QueryRunner. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * The rows a statement with RETURNING gave. TypeORM answers UPDATE and DELETE on PostgreSQL as `[rows, affected]` but
 * INSERT and SELECT as the rows alone, so `rows.length > 0` on an UPDATE's raw answer is always true (it is 2).
 */
export function returnedRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return Array.isArray(result) ? (result as T[]) : [];
}

/** Runs a statement with RETURNING and gives its rows, whatever the statement's kind. */
export async function queryReturning<T>(db: Queryable, sql: string, parameters: readonly unknown[] = []): Promise<T[]> {
  return returnedRows<T>(await db.query(sql, [...parameters]));
}

/** Anything that runs SQL: a DataSource or the EntityManager of an open transaction. */
export interface Sql {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * Rows of a query. TypeORM answers UPDATE and DELETE as `[rows, count]`, so statements that modify and return rows
 * are written as `WITH changed AS (UPDATE ... RETURNING ...) SELECT * FROM changed`, which comes back as rows.
 */
export async function rows<T>(db: Sql, sql: string, parameters: unknown[] = []): Promise<T[]> {
  return (await db.query(sql, parameters)) as T[];
}

export async function firstRow<T>(db: Sql, sql: string, parameters: unknown[] = []): Promise<T | null> {
  return (await rows<T>(db, sql, parameters))[0] ?? null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Path ids are compared with uuid columns: anything else cannot exist, and must not reach PostgreSQL as a cast error. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** PostgreSQL's unique_violation. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown; driverError?: { code?: unknown } }).code ?? (error as { driverError?: { code?: unknown } }).driverError?.code;
  return code === '23505';
}

/** The constraint (or unique index) a violation names, from the pg driver's error. */
export function violatedConstraint(error: unknown): string | undefined {
  const e = error as { constraint?: unknown; driverError?: { constraint?: unknown } };
  const name = e.constraint ?? e.driverError?.constraint;
  return typeof name === 'string' ? name : undefined;
}

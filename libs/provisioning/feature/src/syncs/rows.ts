import type { EntityManager } from 'typeorm';

/**
 * Rows of a statement with RETURNING. TypeORM answers UPDATE and DELETE as `[rows, affectedCount]` but INSERT and
 * SELECT as the rows alone; this gives the rows either way.
 */
export async function returningRows<T>(manager: EntityManager, sql: string, params: readonly unknown[]): Promise<T[]> {
  const result: unknown = await manager.query(sql, [...params]);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

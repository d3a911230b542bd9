import type { EntityManager } from 'typeorm';
import { queryReturning } from '@parley/persistence';

/** Rows of a statement with RETURNING, whatever its kind (see `queryReturning`). */
export function returningRows<T>(manager: EntityManager, sql: string, params: readonly unknown[]): Promise<T[]> {
  return queryReturning<T>(manager, sql, params);
}

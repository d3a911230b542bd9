import { createHash } from 'node:crypto';
import { Client, type ClientConfig } from 'pg';

/** Statements one connection keeps prepared at most; past it, new ones run unnamed (parsed and planned each time). */
export const MAX_PREPARED_PER_CONNECTION = 256;

type Query = (config: unknown, values?: unknown, callback?: unknown) => unknown;

/** The text's statement name: the same on every connection, different for every text (a SHA-1 of it). */
const names = new Map<string, string>();
export function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `parley_${createHash('sha1').update(text).digest('hex')}`;
    // Texts are the code's own SQL: a few hundred. The bound only keeps a text built per call from growing this.
    if (names.size >= 4_096) names.clear();
    names.set(text, name);
  }
  return name;
}

/**
 * A pg client that runs every parameterised query as a named prepared statement of its connection (ADR 0049): the
 * server parses it once per connection and, after a few runs, stops planning it. TypeORM's `query(sql, parameters)`
 * and the pg driver's own path stay as they are; only the wire messages change (Bind and Execute, no Parse).
 *
 * - A query without parameters (BEGIN, COMMIT, DDL), or with a callback instead of a promise, runs as before.
 * - At most MAX_PREPARED_PER_CONNECTION statements per connection; further texts run unnamed.
 * - A statement the server refuses to run again because a table it reads changed shape (a migration by a newer replica:
 *   "cached plan must not change result type") is prepared afresh under another name the next time; the failing run
 *   fails as any other error does and its caller retries.
 * - Not for PGlite (the embedded mode): it serves every connection from one session, where two connections preparing
 *   the same name collide.
 */
export class PreparingClient extends Client {
  constructor(config?: string | ClientConfig) {
    super(config);
    const plain = this.query.bind(this) as unknown as Query;
    const prepared = new Set<string>();
    const generations = new Map<string, number>();
    const preparing: Query = (config, values, callback) => {
      // Only the promise form (TypeORM's): a callback caller (pg's Pool.query, which nothing here uses) runs unnamed.
      if (typeof config !== 'string' || !Array.isArray(values) || values.length === 0 || callback !== undefined) return plain(config, values, callback);
      const generation = generations.get(config);
      const name = generation ? `${statementName(config)}_${generation}` : statementName(config);
      if (!prepared.has(name)) {
        if (prepared.size >= MAX_PREPARED_PER_CONNECTION) return plain(config, values, callback);
        prepared.add(name);
      }
      const retire = (error: unknown) => {
        if ((error as { code?: string } | null)?.code === '0A000' && /cached plan/i.test(String((error as Error).message))) {
          generations.set(config, (generation ?? 0) + 1);
        }
      };
      const running = plain({ name, text: config, values }) as Promise<unknown>;
      running.catch(retire);
      return running;
    };
    (this as unknown as { query: Query }).query = preparing;
  }
}

import { badRequest } from './graph-error';

/** $top within [1, max], default when absent; anything else is Graph's BadRequest. */
export function topParameter(query: URLSearchParams, fallback: number, max: number): number {
  const raw = query.get('$top');
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw badRequest(`Invalid value '${raw}' for $top query option found.`);
  if (value > max) throw badRequest(`Invalid page size specified: '${raw}'. Must be between 1 and ${max} inclusive.`);
  return value;
}

export function selectParameter(query: URLSearchParams, known: ReadonlySet<string>): string[] | undefined {
  const raw = query.get('$select');
  if (raw === null) return undefined;
  const fields = raw.split(',').map((f) => f.trim()).filter(Boolean);
  for (const field of fields) {
    if (!known.has(field)) throw badRequest(`Could not find a property named '${field}' on type 'microsoft.graph.user'.`);
  }
  return fields;
}

export function project(record: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) out[field] = record[field] ?? null;
  return out;
}

/** Opaque paging state for skip tokens: the query that produced the page and where the next one starts. */
export function encodeSkipToken(state: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

export function decodeSkipToken<T>(token: string): T {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as T;
  } catch {
    throw badRequest('The specified page token value has expired and can no longer be included in your request.');
  }
}

export type Filter = (record: Record<string, unknown>) => boolean;

/**
 * The $filter subset the sandbox understands: `prop eq 'value'`, `prop ne 'value'`, `startswith(prop,'value')`
 * and `accountEnabled eq true|false`, joined by `and`. Anything else is refused the way Graph refuses it.
 */
export function parseFilter(raw: string | null, filterable: ReadonlySet<string>): Filter | undefined {
  if (raw === null) return undefined;
  const clauses = raw.split(/\s+and\s+/i);
  const tests: Filter[] = clauses.map((clause) => {
    const text = clause.trim();
    const eq = /^(\w+)\s+(eq|ne)\s+(?:'((?:[^']|'')*)'|(true|false|null))$/i.exec(text);
    if (eq) {
      const [, prop, op, str, literal] = eq as unknown as [string, string, string, string | undefined, string | undefined];
      if (!filterable.has(prop)) throw badRequest(`Unsupported or invalid query filter clause specified for property '${prop}' of resource 'User'.`);
      const value: unknown = str !== undefined ? str.replace(/''/g, "'") : literal === 'null' ? null : literal === 'true';
      const same = (record: Record<string, unknown>): boolean => {
        const actual = record[prop];
        return typeof actual === 'string' && typeof value === 'string' ? actual.toLowerCase() === value.toLowerCase() : (actual ?? null) === value;
      };
      return op.toLowerCase() === 'eq' ? same : (record) => !same(record);
    }
    const starts = /^startswith\((\w+),\s*'((?:[^']|'')*)'\)$/i.exec(text);
    if (starts) {
      const [, prop, prefix] = starts as unknown as [string, string, string];
      if (!filterable.has(prop)) throw badRequest(`Unsupported or invalid query filter clause specified for property '${prop}' of resource 'User'.`);
      const lower = prefix.replace(/''/g, "'").toLowerCase();
      return (record) => typeof record[prop] === 'string' && (record[prop] as string).toLowerCase().startsWith(lower);
    }
    throw badRequest(`Invalid filter clause: '${text}'.`);
  });
  return (record) => tests.every((test) => test(record));
}

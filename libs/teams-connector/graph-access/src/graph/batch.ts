import type { PacingClaim } from '../pacing/classify';
import type { GraphLimitName } from '../pacing/limits';
import type { GraphMethod } from './transport';

/** Graph answers at most 20 requests per $batch. */
export const MAX_BATCH_SIZE = 20;

/** One request of a $batch; `url` is relative to the version, like `/teams/{id}/members`. */
export interface BatchItem {
  readonly method: GraphMethod;
  readonly url: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Splits requests into $batch chunks, in order: at most `max` per chunk, and no more requests on one pacing window
 * than `perBatchOf` its limit, since the requests of one batch reach Graph together (four additions to one team in
 * one batch are four calls on that team in the same instant) and are paced as one acquisition.
 */
export function splitIntoBatches<T>(
  items: readonly T[],
  claimsOf: (item: T) => readonly PacingClaim[],
  perBatchOf: (limit: GraphLimitName) => number,
  max = MAX_BATCH_SIZE,
): T[][] {
  if (max < 1) throw new Error('a batch holds at least one request');
  const chunks: T[][] = [];
  let current: T[] = [];
  let perBucket = new Map<string, number>();
  for (const item of items) {
    const claims = claimsOf(item);
    const fits =
      current.length < max &&
      claims.every((claim) => (perBucket.get(claim.bucket) ?? 0) + claims.filter((c) => c.bucket === claim.bucket).length <= perBatchOf(claim.limit));
    if (!fits && current.length > 0) {
      chunks.push(current);
      current = [];
      perBucket = new Map();
    }
    current.push(item);
    for (const claim of claims) perBucket.set(claim.bucket, (perBucket.get(claim.bucket) ?? 0) + 1);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

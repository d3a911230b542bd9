import type { TokenBucketSpec } from '../ports/rate-limiter';

export function assertName(what: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${what} must be a non-empty string`);
}

/** Redis PX takes whole milliseconds, so both implementations accept only those. */
export function assertTtl(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be a positive integer, got ${ttlMs}`);
}

export function assertTake(bucket: string, spec: TokenBucketSpec, tokens: number): void {
  assertName('bucket', bucket);
  if (!(Number.isFinite(spec.capacity) && spec.capacity > 0)) {
    throw new RangeError(`capacity must be a positive number, got ${spec.capacity}`);
  }
  if (!(Number.isFinite(spec.refillPerSecond) && spec.refillPerSecond > 0)) {
    throw new RangeError(`refillPerSecond must be a positive number, got ${spec.refillPerSecond}`);
  }
  if (!(Number.isFinite(tokens) && tokens > 0)) throw new RangeError(`tokens must be a positive number, got ${tokens}`);
  // Otherwise take() would wait forever.
  if (tokens > spec.capacity) {
    throw new RangeError(`cannot take ${tokens} tokens from bucket "${bucket}" of capacity ${spec.capacity}`);
  }
}

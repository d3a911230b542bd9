import type { TokenBucketSpec, TokenGrant } from '../ports/rate-limiter';

const FLOAT_SLACK = 1e-9;

export interface BucketState {
  readonly tokens: number;
  readonly updatedAt: number;
}

export interface BucketStep {
  readonly state: BucketState;
  readonly grant: TokenGrant;
  /** When the bucket would be full again; after that, forgetting it is the same as keeping it. */
  readonly idleTtlMs: number;
}

/**
 * One refill-then-take step of a token bucket. The Redis implementation runs the same arithmetic in Lua
 * (redis-rate-limiter.ts): change both together.
 */
export function takeFromBucket(
  previous: BucketState | undefined,
  now: number,
  spec: TokenBucketSpec,
  requested: number,
): BucketStep {
  const perMs = spec.refillPerSecond / 1000;
  let tokens = previous?.tokens ?? spec.capacity;
  let updatedAt = previous?.updatedAt ?? now;
  // A clock that stepped back refills nothing rather than taking tokens away.
  if (now > updatedAt) {
    tokens += (now - updatedAt) * perMs;
    updatedAt = now;
  }
  // Also applies when the configured capacity shrank since the bucket was written.
  tokens = Math.min(tokens, spec.capacity);

  let granted = false;
  let retryAfterMs = 0;
  // FLOAT_SLACK absorbs rounding (at 2/s, the last 0.002 token takes 1.0000000000000009 ms), so a caller who waited
  // exactly retryAfterMs is granted; it gives away at most a billionth of a token per call.
  if (tokens + FLOAT_SLACK >= requested) {
    tokens = Math.max(0, tokens - requested);
    granted = true;
  } else {
    retryAfterMs = Math.max(1, Math.ceil((requested - tokens) / perMs - FLOAT_SLACK));
  }
  // Counted from updatedAt, which is ahead of `now` after the clock stepped back.
  const idleTtlMs = Math.max(1, Math.ceil(updatedAt - now + (spec.capacity - tokens) / perMs));
  return {
    state: { tokens, updatedAt },
    grant: { granted, retryAfterMs, remaining: Math.floor(tokens + FLOAT_SLACK) },
    idleTtlMs,
  };
}

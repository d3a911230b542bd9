/** A token bucket: it starts full, holds at most `capacity` tokens and regains `refillPerSecond` tokens per second. */
export interface TokenBucketSpec {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

export interface TokenGrant {
  readonly granted: boolean;
  /** 0 when granted; otherwise how long until the requested tokens are there, if nobody else takes them first. */
  readonly retryAfterMs: number;
  /** Whole tokens left in the bucket after this call. */
  readonly remaining: number;
}

/**
 * Paces calls to a platform under its documented limits. Every caller naming the same bucket (in Redis: every
 * replica) draws from one bucket, so size the spec for the whole fleet, not per process.
 */
export interface RateLimiter {
  /** Takes `tokens` (default 1) if they are all there, atomically; never waits. */
  tryTake(bucket: string, spec: TokenBucketSpec, tokens?: number): Promise<TokenGrant>;

  /**
   * Waits until `tokens` are granted. Waiters are not queued: under contention a waiter may lose to newer callers, so
   * pass a signal to bound the wait. Rejects with the signal's reason when aborted, without taking tokens after that.
   */
  take(bucket: string, spec: TokenBucketSpec, tokens?: number, signal?: AbortSignal): Promise<void>;
}

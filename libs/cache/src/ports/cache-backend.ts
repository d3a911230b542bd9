import type { DedupeGuard } from './dedupe-guard';
import type { DistributedLock } from './distributed-lock';
import type { RateLimiter } from './rate-limiter';
import type { SlidingWindowLimiter } from './sliding-window-limiter';

/** The ports together, from Redis (distributed mode) or from memory (embedded mode). */
export interface CacheBackend {
  readonly rateLimiter: RateLimiter;
  readonly slidingWindow: SlidingWindowLimiter;
  readonly locks: DistributedLock;
  readonly dedupe: DedupeGuard;
  /** Closes the underlying connection, if any; idempotent. */
  close(): Promise<void>;
}

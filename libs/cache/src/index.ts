export type { TokenBucketSpec, TokenGrant, RateLimiter } from './ports/rate-limiter';
export type { SlidingWindowLimiter, SlidingWindowSpec, WindowClaim, WindowGrant, WindowTicket } from './ports/sliding-window-limiter';
export { LockLostError, LockUnavailableError, type DistributedLock, type LockLease } from './ports/distributed-lock';
export type { DedupeGuard } from './ports/dedupe-guard';
export type { CacheBackend } from './ports/cache-backend';
export type { Clock } from './shared/clock';
export { InMemoryRateLimiter } from './memory/in-memory-rate-limiter';
export { InMemorySlidingWindowLimiter } from './memory/in-memory-sliding-window-limiter';
export { InMemoryDistributedLock } from './memory/in-memory-distributed-lock';
export { InMemoryDedupeGuard } from './memory/in-memory-dedupe-guard';
export { createInMemoryCache } from './memory/in-memory-cache';
export {
  createRedisConnection,
  RedisUnavailableError,
  type RedisConnection,
  type RedisConnectionOptions,
  type RedisUrl,
} from './redis/redis-connection';
export type { RedisHealth, RedisHealthReport } from './redis/redis-health';

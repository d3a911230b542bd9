import type { CacheBackend } from '../ports/cache-backend';
import { systemClock, type Clock } from '../shared/clock';
import { InMemoryDedupeGuard } from './in-memory-dedupe-guard';
import { InMemoryDistributedLock } from './in-memory-distributed-lock';
import { InMemoryRateLimiter } from './in-memory-rate-limiter';
import { InMemorySlidingWindowLimiter } from './in-memory-sliding-window-limiter';

/** The ports for the embedded mode, shaped like a RedisConnection so wiring can pick either by configuration. */
export function createInMemoryCache(options: { clock?: Clock } = {}): CacheBackend {
  const clock = options.clock ?? systemClock;
  return {
    rateLimiter: new InMemoryRateLimiter({ clock }),
    slidingWindow: new InMemorySlidingWindowLimiter({ clock }),
    locks: new InMemoryDistributedLock({ clock }),
    dedupe: new InMemoryDedupeGuard({ clock }),
    close: async () => undefined,
  };
}

import { describe, expect, it } from '@jest/globals';
import { describeRateLimiterContract } from '../testing/rate-limiter.contract';
import { ManualClock } from '../testing/manual-clock';
import { InMemoryRateLimiter } from './in-memory-rate-limiter';

describeRateLimiterContract('in memory', async () => {
  const limiter = new InMemoryRateLimiter();
  return { first: limiter, second: limiter, close: async () => undefined };
});

describe('InMemoryRateLimiter on a manual clock', () => {
  const spec = { capacity: 10, refillPerSecond: 2 }; // 500 ms per token

  it('refills exactly refillPerSecond and reports the exact wait', async () => {
    const clock = new ManualClock();
    const limiter = new InMemoryRateLimiter({ clock });
    expect(await limiter.tryTake('b', spec, 10)).toEqual({ granted: true, retryAfterMs: 0, remaining: 0 });

    clock.advance(1500);
    expect(await limiter.tryTake('b', spec, 3)).toEqual({ granted: true, retryAfterMs: 0, remaining: 0 });
    expect(await limiter.tryTake('b', spec)).toEqual({ granted: false, retryAfterMs: 500, remaining: 0 });
    clock.advance(499);
    expect(await limiter.tryTake('b', spec)).toEqual({ granted: false, retryAfterMs: 1, remaining: 0 });
    clock.advance(1);
    expect(await limiter.tryTake('b', spec)).toEqual({ granted: true, retryAfterMs: 0, remaining: 0 });
  });

  it('take() sleeps exactly the time the tokens need', async () => {
    const clock = new ManualClock();
    const limiter = new InMemoryRateLimiter({ clock });
    await limiter.take('b', spec, 10);
    await limiter.take('b', spec, 4);
    expect(clock.sleeps).toEqual([2000]);
  });

  it('refills nothing when the clock steps back, and takes nothing away', async () => {
    const clock = new ManualClock();
    const limiter = new InMemoryRateLimiter({ clock });
    await limiter.tryTake('b', spec, 6);
    clock.advance(-10_000);
    expect(await limiter.tryTake('b', spec)).toEqual({ granted: true, retryAfterMs: 0, remaining: 3 });
    clock.advance(10_000);
    expect(await limiter.tryTake('b', spec)).toEqual({ granted: true, retryAfterMs: 0, remaining: 2 });
    clock.advance(500);
    expect((await limiter.tryTake('b', spec)).remaining).toBe(2);
  });

  it('caps a bucket at a capacity that shrank since it was last used', async () => {
    const clock = new ManualClock();
    const limiter = new InMemoryRateLimiter({ clock });
    await limiter.tryTake('b', spec, 1);
    expect(await limiter.tryTake('b', { capacity: 5, refillPerSecond: 2 })).toEqual({
      granted: true,
      retryAfterMs: 0,
      remaining: 4,
    });
  });

  it('supports fractional refill rates', async () => {
    const clock = new ManualClock();
    const limiter = new InMemoryRateLimiter({ clock });
    const slow = { capacity: 1, refillPerSecond: 0.25 };
    await limiter.tryTake('b', slow);
    expect((await limiter.tryTake('b', slow)).retryAfterMs).toBe(4000);
  });
});

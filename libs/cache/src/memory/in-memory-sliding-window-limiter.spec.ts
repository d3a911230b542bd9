import { describe, expect, it } from '@jest/globals';
import { jitterMs } from '../shared/sliding-window';
import { ManualClock } from '../testing/manual-clock';
import { busiestSpan, describeSlidingWindowLimiterContract } from '../testing/sliding-window-limiter.contract';
import { InMemorySlidingWindowLimiter } from './in-memory-sliding-window-limiter';

describeSlidingWindowLimiterContract('in memory', async () => {
  const limiter = new InMemorySlidingWindowLimiter();
  return { first: limiter, second: limiter, close: async () => undefined };
});

describe('InMemorySlidingWindowLimiter on a manual clock', () => {
  const spec = { limit: 3, windowMs: 1000 };
  const noJitter = () => 0;

  it('counts an acquisition for exactly one window and reports the exact wait', async () => {
    const clock = new ManualClock();
    const limiter = new InMemorySlidingWindowLimiter({ clock });
    expect(await limiter.tryAcquire('k', spec)).toMatchObject({ granted: true, retryAfterMs: 0 });
    clock.advance(400);
    expect(await limiter.tryAcquire('k', spec, 2)).toMatchObject({ granted: true, retryAfterMs: 0 });
    expect(await limiter.tryAcquire('k', spec)).toEqual({ granted: false, retryAfterMs: 600 });
    expect(await limiter.tryAcquire('k', spec, 2)).toEqual({ granted: false, retryAfterMs: 1000 });
    clock.advance(599);
    expect(await limiter.tryAcquire('k', spec)).toEqual({ granted: false, retryAfterMs: 1 });
    clock.advance(1);
    expect(await limiter.tryAcquire('k', spec)).toMatchObject({ granted: true, retryAfterMs: 0 });
    expect(await limiter.tryAcquire('k', spec)).toEqual({ granted: false, retryAfterMs: 400 });
  });

  it('rounds a fractional wait up, so a caller who waits it is granted', async () => {
    const clock = new ManualClock();
    const limiter = new InMemorySlidingWindowLimiter({ clock });
    const fractional = { limit: 1, windowMs: 530.4 };
    await limiter.tryAcquire('k', fractional);
    const refused = await limiter.tryAcquire('k', fractional);
    expect(refused.retryAfterMs).toBe(531);
    clock.advance(refused.retryAfterMs);
    expect((await limiter.tryAcquire('k', fractional)).granted).toBe(true);
  });

  it('acquire() sleeps exactly until the room is there, plus at most the jitter', async () => {
    const clock = new ManualClock();
    const limiter = new InMemorySlidingWindowLimiter({ clock, random: noJitter });
    await limiter.acquire('k', spec, 3);
    clock.advance(250);
    await limiter.acquire('k', spec, 2);
    expect(clock.sleeps).toEqual([750]);

    const jitterClock = new ManualClock();
    const withJitter = new InMemorySlidingWindowLimiter({ clock: jitterClock, random: () => 0.999 });
    await withJitter.acquire('k', spec, 3);
    await withJitter.acquire('k', spec);
    expect(jitterClock.sleeps).toHaveLength(1);
    expect(jitterClock.sleeps[0]).toBeGreaterThan(1000);
    expect(jitterClock.sleeps[0]).toBeLessThanOrEqual(1005);
  });

  it('paces a long run at exactly the limit per window, never more in any window', async () => {
    const clock = new ManualClock();
    const limiter = new InMemorySlidingWindowLimiter({ clock, random: noJitter });
    const start = clock.now();
    const times: number[] = [];
    for (let i = 0; i < 2000; i++) {
      await limiter.acquire('invitations', { limit: 150, windowMs: 5000 });
      times.push(clock.now() - start);
    }
    expect(busiestSpan(times, 5000)).toBe(150);
    // The last of 2,000 goes out after ceil(2000 / 150) - 1 windows, not a millisecond later.
    expect(times.at(-1)).toBe((Math.ceil(2000 / 150) - 1) * 5000);
  });

  it('keeps counting acquisitions from a clock that stepped back, and never frees room early', async () => {
    const clock = new ManualClock();
    const limiter = new InMemorySlidingWindowLimiter({ clock });
    await limiter.tryAcquire('k', spec, 2);
    clock.advance(-10_000);
    expect(await limiter.tryAcquire('k', spec)).toMatchObject({ granted: true, retryAfterMs: 0 });
    // The two acquired "in the future" count until a window after them.
    expect(await limiter.tryAcquire('k', spec)).toEqual({ granted: false, retryAfterMs: 1000 });
    expect(await limiter.tryAcquire('k', spec, 3)).toEqual({ granted: false, retryAfterMs: 11_000 });
    clock.advance(11_000);
    expect(await limiter.tryAcquire('k', spec, 3)).toMatchObject({ granted: true, retryAfterMs: 0 });
  });

  it('restamps to exactly now minus the backdate, extending how long the window is remembered', async () => {
    const clock = new ManualClock();
    const limiter = new InMemorySlidingWindowLimiter({ clock });
    const ticket = await limiter.acquire('k', spec, 2);
    await limiter.tryAcquire('k', spec);
    clock.advance(900);
    await limiter.restamp(ticket, 100);
    // The third acquisition (at 0) leaves at 1000, the restamped two (now at 800) at 1800.
    expect(await limiter.tryAcquire('k', spec, 2)).toEqual({ granted: false, retryAfterMs: 900 });
    clock.advance(100);
    expect(await limiter.tryAcquire('k', spec, 2)).toEqual({ granted: false, retryAfterMs: 800 });
    expect(await limiter.tryAcquire('k', spec)).toMatchObject({ granted: true });
    clock.advance(800);
    expect(await limiter.tryAcquire('k', spec, 2)).toMatchObject({ granted: true });
  });

  it('applies a changed spec to the acquisitions already counted', async () => {
    const clock = new ManualClock();
    const limiter = new InMemorySlidingWindowLimiter({ clock });
    await limiter.tryAcquire('k', { limit: 10, windowMs: 1000 }, 4);
    expect(await limiter.tryAcquire('k', { limit: 3, windowMs: 1000 })).toEqual({ granted: false, retryAfterMs: 1000 });
    clock.advance(500);
    expect((await limiter.tryAcquire('k', { limit: 10, windowMs: 400 }, 10)).granted).toBe(true);
  });

  it('stops an acquire() whose signal aborts while it sleeps', async () => {
    const clock = new ManualClock();
    const limiter = new InMemorySlidingWindowLimiter({ clock });
    await limiter.tryAcquire('k', { limit: 1, windowMs: 1000 });
    const controller = new AbortController();
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(limiter.acquire('k', { limit: 1, windowMs: 1000 }, 1, controller.signal)).rejects.toBe(reason);
    expect(clock.sleeps).toEqual([]);
  });
});

describe('jitterMs', () => {
  it('adds at most 2 % of the wait, and never more than 5 ms', () => {
    expect(jitterMs(100, () => 0)).toBe(0);
    expect(jitterMs(100, () => 1)).toBe(2);
    expect(jitterMs(5000, () => 1)).toBe(5);
    expect(jitterMs(1, () => 0.5)).toBeCloseTo(0.01);
  });
});

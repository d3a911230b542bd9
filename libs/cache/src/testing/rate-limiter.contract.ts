import { describe, expect, it } from '@jest/globals';
import type { RateLimiter, TokenBucketSpec } from '../ports/rate-limiter';
import { delay, uniqueName, useContractSubjects, type OpenContractSubjects } from './contract-subjects';

/** What every RateLimiter must do; run against each implementation (see *.spec.ts and *.integration-spec.ts). */
export function describeRateLimiterContract(implementation: string, open: OpenContractSubjects<RateLimiter>): void {
  describe(`RateLimiter contract (${implementation})`, () => {
    const { first, second } = useContractSubjects(open);

    it('starts a bucket full, grants its capacity one token at a time, then refuses', async () => {
      const bucket = uniqueName('full');
      const spec = { capacity: 5, refillPerSecond: 1 };
      const grants = [];
      const started = performance.now();
      for (let i = 0; i < 5; i++) grants.push(await first().tryTake(bucket, spec));
      expect(grants.map((g) => [g.granted, g.retryAfterMs, g.remaining])).toEqual([
        [true, 0, 4],
        [true, 0, 3],
        [true, 0, 2],
        [true, 0, 1],
        [true, 0, 0],
      ]);

      const refused = await first().tryTake(bucket, spec);
      const elapsed = performance.now() - started;
      expect(refused).toMatchObject({ granted: false, remaining: 0 });
      // The next token is a second away from the first take, less what has refilled since (a loaded machine may
      // take a good part of that second over six round trips).
      expect(refused.retryAfterMs).toBeGreaterThanOrEqual(Math.floor(1000 - elapsed) - 1);
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(1000);
    });

    it('takes several tokens all or nothing', async () => {
      const bucket = uniqueName('several');
      const spec = { capacity: 10, refillPerSecond: 1 };
      const started = performance.now();
      expect(await first().tryTake(bucket, spec, 7)).toEqual({ granted: true, retryAfterMs: 0, remaining: 3 });

      const refused = await first().tryTake(bucket, spec, 4);
      const elapsed = performance.now() - started;
      expect(refused).toMatchObject({ granted: false, remaining: 3 });
      // One token short at one token per second, less what has refilled since the first take.
      expect(refused.retryAfterMs).toBeGreaterThanOrEqual(Math.floor(1000 - elapsed) - 1);
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(1000);

      expect(await first().tryTake(bucket, spec, 3)).toEqual({ granted: true, retryAfterMs: 0, remaining: 0 });
    });

    it('refills at refillPerSecond', async () => {
      const bucket = uniqueName('refill');
      const spec = { capacity: 100, refillPerSecond: 20 };
      const drainStart = performance.now();
      expect((await first().tryTake(bucket, spec, 100)).granted).toBe(true);
      const drainEnd = performance.now();
      await delay(300);
      const checkStart = performance.now();
      const grant = await first().tryTake(bucket, spec);
      const checkEnd = performance.now();

      // The refill happened somewhere between these two bounds of elapsed time.
      const perMs = spec.refillPerSecond / 1000;
      expect(grant.granted).toBe(true);
      expect(grant.remaining).toBeGreaterThanOrEqual(Math.floor((checkStart - drainEnd) * perMs) - 1);
      expect(grant.remaining).toBeLessThanOrEqual(Math.floor((checkEnd - drainStart) * perMs) - 1);
    });

    it('never holds more than its capacity, also when the configured capacity shrinks', async () => {
      const bucket = uniqueName('cap');
      const spec = { capacity: 3, refillPerSecond: 1000 };
      expect((await first().tryTake(bucket, spec)).remaining).toBe(2);
      await delay(30); // 30 more tokens without the cap
      expect(await first().tryTake(bucket, spec, 3)).toEqual({ granted: true, retryAfterMs: 0, remaining: 0 });

      const shrinking = uniqueName('shrink');
      expect((await first().tryTake(shrinking, { capacity: 10, refillPerSecond: 0.01 })).remaining).toBe(9);
      expect(await first().tryTake(shrinking, { capacity: 5, refillPerSecond: 0.01 })).toEqual({
        granted: true,
        retryAfterMs: 0,
        remaining: 4,
      });
    });

    it('gives a retryAfterMs after which the tokens are there, and not before', async () => {
      const bucket = uniqueName('retry');
      const spec = { capacity: 2, refillPerSecond: 2 }; // 500 ms per token
      const started = performance.now();
      expect((await first().tryTake(bucket, spec, 2)).granted).toBe(true);

      const early = await first().tryTake(bucket, spec);
      expect(early.granted).toBe(false);
      expect(early.retryAfterMs).toBeGreaterThanOrEqual(Math.floor(500 - (performance.now() - started)) - 1);
      expect(early.retryAfterMs).toBeGreaterThan(0);
      expect(early.retryAfterMs).toBeLessThanOrEqual(500);

      const half = Math.floor(early.retryAfterMs / 2);
      await delay(half);
      const later = await first().tryTake(bucket, spec);
      expect(later.granted).toBe(false);
      expect(later.retryAfterMs).toBeLessThanOrEqual(early.retryAfterMs - half + 2);

      // A couple of ms of slack: timers may fire a fraction of a millisecond early.
      await delay(later.retryAfterMs + 2);
      expect((await first().tryTake(bucket, spec)).granted).toBe(true);
    });

    it('counts retryAfterMs for all the tokens requested', async () => {
      const bucket = uniqueName('retry-many');
      const spec = { capacity: 10, refillPerSecond: 10 };
      const started = performance.now();
      expect((await first().tryTake(bucket, spec, 10)).granted).toBe(true);
      const refused = await first().tryTake(bucket, spec, 5);
      expect(refused.granted).toBe(false);
      // Five tokens at ten a second, less what has refilled since the drain.
      expect(refused.retryAfterMs).toBeGreaterThanOrEqual(Math.floor(500 - (performance.now() - started)) - 1);
      expect(refused.retryAfterMs).toBeGreaterThan(100);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(500);
    });

    it('keeps buckets apart', async () => {
      const spec = { capacity: 1, refillPerSecond: 0.01 };
      const drained = uniqueName('drained');
      expect((await first().tryTake(drained, spec)).granted).toBe(true);
      expect((await first().tryTake(drained, spec)).granted).toBe(false);
      expect((await first().tryTake(uniqueName('other'), spec)).granted).toBe(true);
    });

    it('grants exactly the capacity to 200 concurrent callers on two connections', async () => {
      const bucket = uniqueName('race');
      const spec = { capacity: 50, refillPerSecond: 0.01 };
      const grants = await Promise.all(
        Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? first() : second()).tryTake(bucket, spec)),
      );
      const granted = grants.filter((g) => g.granted);
      expect(granted).toHaveLength(50);
      // Each grant saw the bucket one token emptier than the one before it: no two read the same state.
      expect(granted.map((g) => g.remaining).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(grants.filter((g) => !g.granted).every((g) => g.remaining === 0 && g.retryAfterMs > 0)).toBe(true);
    });

    it('shares one bucket between connections', async () => {
      const bucket = uniqueName('shared');
      const spec = { capacity: 2, refillPerSecond: 0.01 };
      expect((await first().tryTake(bucket, spec)).granted).toBe(true);
      expect((await second().tryTake(bucket, spec)).granted).toBe(true);
      expect((await first().tryTake(bucket, spec)).granted).toBe(false);
      expect((await second().tryTake(bucket, spec)).granted).toBe(false);
    });

    it('take() resolves at once when tokens are there and waits for the refill when not', async () => {
      const bucket = uniqueName('take');
      const spec = { capacity: 1, refillPerSecond: 2 }; // 500 ms per token
      const started = performance.now();
      await first().take(bucket, spec);
      const firstWait = performance.now() - started;
      await first().take(bucket, spec);
      const secondWait = performance.now() - started - firstWait;

      expect(firstWait).toBeLessThan(250);
      expect(secondWait).toBeGreaterThanOrEqual(400);
      expect(secondWait).toBeLessThan(2000);
    });

    it('take() paces concurrent waiters on two connections by the refill', async () => {
      const bucket = uniqueName('take-many');
      const spec = { capacity: 1, refillPerSecond: 20 }; // 50 ms per token
      const started = performance.now();
      await Promise.all([first().take(bucket, spec), second().take(bucket, spec), first().take(bucket, spec)]);
      const elapsed = performance.now() - started;

      expect(elapsed).toBeGreaterThanOrEqual(90); // two refills after the first token
      expect(elapsed).toBeLessThan(2000);
      expect((await first().tryTake(bucket, spec)).granted).toBe(false);
    });

    it('take() stops waiting and rejects with the reason when the signal aborts', async () => {
      const bucket = uniqueName('abort');
      const spec = { capacity: 1, refillPerSecond: 0.5 }; // 2 s per token
      await first().take(bucket, spec);
      const controller = new AbortController();
      const reason = new Error('shutting down');
      const started = performance.now();
      setTimeout(() => controller.abort(reason), 30);

      await expect(first().take(bucket, spec, 1, controller.signal)).rejects.toBe(reason);
      expect(performance.now() - started).toBeLessThan(1000);
    });

    it('take() with an already aborted signal rejects without taking a token', async () => {
      const bucket = uniqueName('pre-aborted');
      const spec: TokenBucketSpec = { capacity: 1, refillPerSecond: 0.01 };
      const reason = new Error('cancelled');

      await expect(first().take(bucket, spec, 1, AbortSignal.abort(reason))).rejects.toBe(reason);
      expect((await first().tryTake(bucket, spec)).granted).toBe(true);
    });

    it('rejects requests that could never be granted, and malformed ones', async () => {
      const bucket = uniqueName('invalid');
      const spec = { capacity: 5, refillPerSecond: 1 };
      await expect(first().tryTake(bucket, spec, 6)).rejects.toThrow(RangeError);
      await expect(first().take(bucket, spec, 6)).rejects.toThrow(RangeError);
      await expect(first().tryTake(bucket, spec, 0)).rejects.toThrow(RangeError);
      await expect(first().tryTake(bucket, { capacity: 0, refillPerSecond: 1 })).rejects.toThrow(RangeError);
      await expect(first().tryTake(bucket, { capacity: 5, refillPerSecond: 0 })).rejects.toThrow(RangeError);
      await expect(first().tryTake('', spec)).rejects.toThrow(TypeError);
      // Nothing was taken by the refused calls.
      expect((await first().tryTake(bucket, spec, 5)).granted).toBe(true);
    });
  });
}

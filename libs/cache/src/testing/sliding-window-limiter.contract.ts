import { describe, expect, it } from '@jest/globals';
import type { SlidingWindowLimiter, SlidingWindowSpec } from '../ports/sliding-window-limiter';
import { delay, uniqueName, useContractSubjects, type OpenContractSubjects } from './contract-subjects';

/** The most of `times` (sorted or not) inside any half-open span of `spanMs`, wherever it starts. */
export function busiestSpan(times: readonly number[], spanMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= spanMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

/** What every SlidingWindowLimiter must do; run against each implementation (see *.spec.ts and *.integration-spec.ts). */
export function describeSlidingWindowLimiterContract(implementation: string, open: OpenContractSubjects<SlidingWindowLimiter>): void {
  describe(`SlidingWindowLimiter contract (${implementation})`, () => {
    const { first, second } = useContractSubjects(open);

    it('grants the limit at once, then refuses until the first acquisition has left the window', async () => {
      const key = uniqueName('full');
      const spec = { limit: 5, windowMs: 1000 };
      const started = performance.now();
      const grants = [];
      for (let i = 0; i < 5; i++) grants.push(await first().tryAcquire(key, spec));
      expect(grants.map((g) => [g.granted, g.retryAfterMs])).toEqual(Array(5).fill([true, 0]));
      // Each grant has a ticket of its own, naming what it acquired.
      expect(new Set(grants.map((g) => g.ticket?.id)).size).toBe(5);
      expect(grants[0]?.ticket?.claims).toEqual([{ key, spec, count: 1 }]);

      const refused = await first().tryAcquire(key, spec);
      expect(refused.granted).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(1000 - (performance.now() - started) - 2);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(1000);
    });

    it('acquires several all or nothing, and waits for the oldest acquisition that must leave', async () => {
      const key = uniqueName('several');
      const spec = { limit: 5, windowMs: 1000 };
      expect(await first().tryAcquire(key, spec, 2)).toMatchObject({ granted: true, retryAfterMs: 0 });
      await delay(300);
      expect(await first().tryAcquire(key, spec, 3)).toMatchObject({ granted: true, retryAfterMs: 0 });

      // Room for 2 once the 2 first ones leave (about 700 ms from now)...
      const two = await first().tryAcquire(key, spec, 2);
      expect(two.granted).toBe(false);
      expect(two.retryAfterMs).toBeGreaterThan(500);
      expect(two.retryAfterMs).toBeLessThanOrEqual(700);
      // ...room for 3 only once one of the later ones leaves too (about 1000 ms from now).
      const three = await first().tryAcquire(key, spec, 3);
      expect(three.granted).toBe(false);
      expect(three.retryAfterMs).toBeGreaterThan(800);
      expect(three.retryAfterMs).toBeLessThanOrEqual(1000);
      expect(three.retryAfterMs - two.retryAfterMs).toBeGreaterThanOrEqual(250);
    });

    it('has room again once retryAfterMs has passed, and not before', async () => {
      const key = uniqueName('retry');
      const spec = { limit: 2, windowMs: 400 };
      expect((await first().tryAcquire(key, spec, 2)).granted).toBe(true);

      const early = await second().tryAcquire(key, spec);
      expect(early.granted).toBe(false);
      expect(early.retryAfterMs).toBeGreaterThan(300);
      expect(early.retryAfterMs).toBeLessThanOrEqual(400);

      const half = Math.floor(early.retryAfterMs / 2);
      await delay(half);
      const later = await first().tryAcquire(key, spec);
      expect(later.granted).toBe(false);
      expect(later.retryAfterMs).toBeLessThanOrEqual(early.retryAfterMs - half + 2);

      // A couple of ms of slack: timers may fire a fraction of a millisecond early.
      await delay(later.retryAfterMs + 2);
      expect(await second().tryAcquire(key, spec, 2)).toMatchObject({ granted: true, retryAfterMs: 0 });
    });

    it('slides: acquisitions leave one by one, each a window after it was granted', async () => {
      const key = uniqueName('slide');
      const spec = { limit: 2, windowMs: 400 };
      expect((await first().tryAcquire(key, spec)).granted).toBe(true);
      await delay(200);
      expect((await first().tryAcquire(key, spec)).granted).toBe(true);
      await delay(220); // the first one has left, the second has not
      expect((await second().tryAcquire(key, spec)).granted).toBe(true);
      const refused = await second().tryAcquire(key, spec);
      expect(refused.granted).toBe(false);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(200);
    });

    it('keeps keys apart', async () => {
      const spec = { limit: 1, windowMs: 60_000 };
      const full = uniqueName('full');
      expect((await first().tryAcquire(full, spec)).granted).toBe(true);
      expect((await second().tryAcquire(full, spec)).granted).toBe(false);
      expect((await first().tryAcquire(uniqueName('other'), spec)).granted).toBe(true);
    });

    it('grants exactly the limit to 200 concurrent callers on two connections', async () => {
      const key = uniqueName('race');
      const spec = { limit: 50, windowMs: 60_000 };
      const grants = await Promise.all(
        Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? first() : second()).tryAcquire(key, spec)),
      );
      expect(grants.filter((g) => g.granted)).toHaveLength(50);
      expect(grants.filter((g) => !g.granted).every((g) => g.retryAfterMs > 0 && g.retryAfterMs <= 60_000)).toBe(true);
    });

    it('acquire() lets no more than the limit through in any window, concurrent callers on two connections', async () => {
      const key = uniqueName('pace');
      const spec = { limit: 10, windowMs: 250 };
      const callers = 50;
      const started = performance.now();
      const grantedAt = await Promise.all(
        Array.from({ length: callers }, async (_, i) => {
          await (i % 2 === 0 ? first() : second()).acquire(key, spec);
          return performance.now();
        }),
      );
      const elapsed = performance.now() - started;
      // Five waves of 10, four full windows apart; resolution times lag the grants by a little, so allow 10 % of a window.
      expect(busiestSpan(grantedAt, spec.windowMs * 0.9)).toBeLessThanOrEqual(spec.limit);
      expect(elapsed).toBeGreaterThanOrEqual(4 * spec.windowMs - 5);
      expect(elapsed).toBeLessThan(4 * spec.windowMs + 1500);
      expect((await first().tryAcquire(key, spec)).granted).toBe(false);
    });

    it('acquire() resumes right when a slot frees, not a poll interval later', async () => {
      const key = uniqueName('resume');
      const spec = { limit: 3, windowMs: 400 };
      const started = performance.now();
      await first().tryAcquire(key, spec, 3);
      const filled = performance.now();
      await second().acquire(key, spec);
      const resumed = performance.now();
      expect(resumed - started).toBeGreaterThanOrEqual(spec.windowMs - 2);
      // Up to 5 ms of jitter, a round trip and a timer's lateness on a busy machine; a poller would be far later.
      expect(resumed - filled).toBeLessThan(spec.windowMs + 100);
    });

    it('acquire() takes several at once', async () => {
      const key = uniqueName('acquire-many');
      const spec = { limit: 4, windowMs: 300 };
      await first().acquire(key, spec, 2);
      await delay(100);
      await first().acquire(key, spec, 2);
      const started = performance.now();
      await second().acquire(key, spec, 2); // needs the first two to leave, about 200 ms from now
      expect(performance.now() - started).toBeGreaterThanOrEqual(150);
      // The second two and these two fill the window.
      expect((await first().tryAcquire(key, spec)).granted).toBe(false);
    });

    it('acquire() stops waiting and rejects with the reason when the signal aborts, acquiring nothing', async () => {
      const key = uniqueName('abort');
      const spec = { limit: 1, windowMs: 400 };
      await first().acquire(key, spec);
      const controller = new AbortController();
      const reason = new Error('shutting down');
      const started = performance.now();
      setTimeout(() => controller.abort(reason), 30);

      await expect(first().acquire(key, spec, 1, controller.signal)).rejects.toBe(reason);
      expect(performance.now() - started).toBeLessThan(300);
      await delay(420);
      // Had the aborted waiter acquired after all, there would be no room for the whole limit now.
      expect((await second().tryAcquire(key, spec)).granted).toBe(true);
    });

    it('acquire() with an already aborted signal rejects without acquiring', async () => {
      const key = uniqueName('pre-aborted');
      const spec: SlidingWindowSpec = { limit: 1, windowMs: 60_000 };
      const reason = new Error('cancelled');
      await expect(first().acquire(key, spec, 1, AbortSignal.abort(reason))).rejects.toBe(reason);
      await expect(first().acquireAll([{ key, spec }], AbortSignal.abort(reason))).rejects.toBe(reason);
      expect((await first().tryAcquire(key, spec)).granted).toBe(true);
    });

    it('tryAcquireAll() acquires in every window or in none, and waits for the slowest', async () => {
      const tight = uniqueName('tight');
      const loose = uniqueName('loose');
      const tightSpec = { limit: 1, windowMs: 500 };
      const looseSpec = { limit: 3, windowMs: 60_000 };
      expect((await first().tryAcquire(tight, tightSpec)).granted).toBe(true);

      const refused = await second().tryAcquireAll([
        { key: loose, spec: looseSpec },
        { key: tight, spec: tightSpec },
      ]);
      expect(refused.granted).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(300);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(500);
      // Nothing was acquired in the window that had room.
      expect((await first().tryAcquire(loose, looseSpec, 3)).granted).toBe(true);

      const other = uniqueName('other');
      const more = uniqueName('more');
      const both = await first().tryAcquireAll([{ key: other, spec: tightSpec }, { key: more, spec: looseSpec, count: 2 }]);
      expect(both).toMatchObject({ granted: true, retryAfterMs: 0 });
      expect(both.ticket?.claims).toEqual([
        { key: other, spec: tightSpec, count: 1 },
        { key: more, spec: looseSpec, count: 2 },
      ]);
      expect((await second().tryAcquire(other, tightSpec)).granted).toBe(false);
    });

    it('tryAcquireAll() adds up claims on the same key', async () => {
      const key = uniqueName('same');
      const spec = { limit: 3, windowMs: 60_000 };
      const grant = await first().tryAcquireAll([{ key, spec }, { key, spec, count: 2 }]);
      expect(grant.ticket?.claims).toEqual([{ key, spec, count: 3 }]);
      expect((await first().tryAcquire(key, spec)).granted).toBe(false);
    });

    it('acquireAll() waits for room in every window', async () => {
      const a = uniqueName('all-a');
      const b = uniqueName('all-b');
      const spec = { limit: 2, windowMs: 300 };
      await first().tryAcquire(b, spec, 2);
      const started = performance.now();
      await second().acquireAll([{ key: a, spec }, { key: b, spec }]);
      expect(performance.now() - started).toBeGreaterThanOrEqual(250);
      expect((await first().tryAcquire(a, spec, 2)).granted).toBe(false);
      expect((await first().tryAcquire(a, spec)).granted).toBe(true);
    });

    it('restamp() counts a ticket\'s acquisitions from later, holding back the next grant', async () => {
      const key = uniqueName('restamp');
      const spec = { limit: 1, windowMs: 300 };
      const ticket = await first().acquire(key, spec);
      await delay(200);
      await second().restamp(ticket);
      await delay(150); // 350 ms after the grant, 150 ms after the restamp
      const refused = await first().tryAcquire(key, spec);
      expect(refused.granted).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(100);
      // About 150 ms; timers may fire a millisecond early and waits are rounded up, so allow a few.
      expect(refused.retryAfterMs).toBeLessThanOrEqual(155);
      await delay(refused.retryAfterMs + 2);
      expect((await first().tryAcquire(key, spec)).granted).toBe(true);
    });

    it('restamp() backdates by backdateMs, and never moves acquisitions earlier', async () => {
      const key = uniqueName('backdate');
      const spec = { limit: 1, windowMs: 300 };
      const asked = performance.now();
      const ticket = await first().acquire(key, spec);
      const granted = performance.now();
      await delay(200);
      await first().restamp(ticket, 10_000); // earlier than the grant: nothing moves
      const checking = performance.now();
      const unmoved = await second().tryAcquire(key, spec);
      const checked = performance.now();
      expect(unmoved.granted).toBe(false);
      // The acquisition is still at its grant, somewhere between asking and getting it: bounds that hold however slow
      // the machine is (the grant and the check each happen at an unknown moment inside their calls).
      expect(unmoved.retryAfterMs).toBeLessThanOrEqual(300 - (checking - granted) + 5);
      expect(unmoved.retryAfterMs).toBeGreaterThanOrEqual(300 - (checked - asked) - 5);
      await first().restamp(ticket, 100); // now counted from about 100 ms after the grant
      const moved = await second().tryAcquire(key, spec);
      expect(moved.granted).toBe(false);
      expect(moved.retryAfterMs).toBeGreaterThan(unmoved.retryAfterMs + 50);
    });

    it('restamp() moves every window of a ticket, and leaves other tickets alone', async () => {
      const a = uniqueName('restamp-a');
      const b = uniqueName('restamp-b');
      const spec = { limit: 2, windowMs: 300 };
      const ticket = await first().acquireAll([{ key: a, spec }, { key: b, spec }]);
      await first().acquire(a, spec); // another ticket
      await delay(200);
      await first().restamp(ticket);
      await delay(150);
      // The other ticket has left a; the restamped one holds one place in each window.
      expect((await second().tryAcquire(a, spec, 2)).granted).toBe(false);
      expect((await second().tryAcquire(a, spec)).granted).toBe(true);
      expect((await second().tryAcquire(b, spec, 2)).granted).toBe(false);

    });

    it('restamp() counts acquisitions that left their window again, unless backdated out of it', async () => {
      const gone = uniqueName('restamp-gone');
      const spec = { limit: 1, windowMs: 100 };
      const early = await first().acquire(gone, spec);
      await delay(150);
      await first().restamp(early, 200); // backdated before the window: it stays gone
      expect((await second().tryAcquire(gone, spec)).granted).toBe(true);

      const revived = uniqueName('restamp-revived');
      const long = await first().acquire(revived, spec);
      await delay(150);
      await second().restamp(long); // a call still on its way after its window: it holds its place again
      const refused = await first().tryAcquire(revived, spec);
      expect(refused.granted).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(50);
      await delay(refused.retryAfterMs + 2);
      expect((await first().tryAcquire(revived, spec)).granted).toBe(true);
    });

    it('restamp() refuses what is not a ticket, and a negative backdate', async () => {
      const ticket = await first().acquire(uniqueName('restamp-invalid'), { limit: 1, windowMs: 1000 });
      await expect(first().restamp({ id: '', claims: [] })).rejects.toThrow(TypeError);
      await expect(first().restamp(ticket, -1)).rejects.toThrow(RangeError);
    });

    it('rejects requests that could never be granted, and malformed ones', async () => {
      const key = uniqueName('invalid');
      const spec = { limit: 5, windowMs: 1000 };
      await expect(first().tryAcquire(key, spec, 6)).rejects.toThrow(RangeError);
      await expect(first().acquire(key, spec, 6)).rejects.toThrow(RangeError);
      await expect(first().tryAcquire(key, spec, 0)).rejects.toThrow(RangeError);
      await expect(first().tryAcquire(key, spec, 1.5)).rejects.toThrow(RangeError);
      await expect(first().tryAcquire(key, { limit: 0, windowMs: 1000 })).rejects.toThrow(RangeError);
      await expect(first().tryAcquire(key, { limit: 2.5, windowMs: 1000 })).rejects.toThrow(RangeError);
      await expect(first().tryAcquire(key, { limit: 5, windowMs: 0 })).rejects.toThrow(RangeError);
      await expect(first().tryAcquire('', spec)).rejects.toThrow(TypeError);
      await expect(first().tryAcquireAll([])).rejects.toThrow(RangeError);
      await expect(first().tryAcquireAll([{ key, spec, count: 3 }, { key, spec, count: 3 }])).rejects.toThrow(RangeError);
      await expect(first().tryAcquireAll([{ key, spec }, { key, spec: { limit: 5, windowMs: 2000 } }])).rejects.toThrow(RangeError);
      // Nothing was acquired by the refused calls.
      expect((await first().tryAcquire(key, spec, 5)).granted).toBe(true);
    });
  });
}

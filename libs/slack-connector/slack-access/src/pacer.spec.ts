import pino from 'pino';
import { InMemoryRateLimiter, type Clock } from '@parley/cache';
import { RateLimitSignal, SlackApiError, SlackRateLimitedError } from './errors';
import { DEFAULT_SLACK_LIMITS, type SlackLimits } from './limits';
import { SlackPacer } from './pacer';

/** Time moves only when someone sleeps, so waits are exact and instant. */
class FakeClock implements Clock {
  now_ = 1_000_000;
  readonly sleeps: number[] = [];
  now(): number {
    return this.now_;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.now_ += ms;
  }
}

function pacerWith(limits: Partial<SlackLimits> = {}) {
  const clock = new FakeClock();
  const limiter = new InMemoryRateLimiter({ clock });
  const waits: number[] = [];
  const pacer = new SlackPacer(limiter, { ...DEFAULT_SLACK_LIMITS, ...limits }, pino({ level: 'silent' }), async (ms) => {
    waits.push(ms);
    await clock.sleep(ms);
  });
  return { pacer, clock, waits };
}

describe('SlackPacer', () => {
  it('lets a Tier 2 burst through, then paces calls at the refill rate', async () => {
    const { pacer, clock } = pacerWith();
    const calledAt: number[] = [];
    for (let i = 0; i < 22; i++) await pacer.webApi('T1', 'users.list', async () => calledAt.push(clock.now()));
    // A burst of 19 (one token kept back for jitter), then 20 per minute: one call every 3 s.
    expect(calledAt.slice(0, 19).every((t) => t === calledAt[0])).toBe(true);
    const at = (i: number) => calledAt[i] ?? Number.NaN;
    expect(at(19) - at(0)).toBeGreaterThanOrEqual(2999);
    expect(at(21) - at(19)).toBeGreaterThanOrEqual(5999);
  });

  it('keeps workspaces and methods in separate buckets', async () => {
    const { pacer, clock } = pacerWith();
    for (let i = 0; i < 19; i++) await pacer.webApi('T1', 'users.list', async () => undefined);
    const start = clock.now();
    await pacer.webApi('T2', 'users.list', async () => undefined);
    await pacer.webApi('T1', 'users.info', async () => undefined);
    expect(clock.now()).toBe(start);
  });

  it('compresses the windows with the time scale', async () => {
    const { pacer, clock } = pacerWith({ timeScale: 0.1, jitterAllowanceMs: 0 });
    const start = clock.now();
    for (let i = 0; i < 21; i++) await pacer.webApi('T1', 'users.list', async () => undefined);
    expect(clock.now() - start).toBeGreaterThanOrEqual(299);
    expect(clock.now() - start).toBeLessThan(400);
  });

  it('waits the scaled Retry-After of a 429 and calls again', async () => {
    const { pacer, waits } = pacerWith({ timeScale: 0.5 });
    let calls = 0;
    const result = await pacer.webApi('T1', 'users.info', async () => {
      calls++;
      if (calls < 3) throw new RateLimitSignal(4);
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(waits).toEqual([2000, 4000]);
    expect(pacer.rateLimited).toBe(2);
  });

  it('gives up as transient after the allowed number of 429s', async () => {
    const { pacer } = pacerWith({ rateLimitRetries: 2 });
    let calls = 0;
    const failing = pacer.webApi('T1', 'users.info', async () => {
      calls++;
      throw new RateLimitSignal(1);
    });
    await expect(failing).rejects.toBeInstanceOf(SlackRateLimitedError);
    expect(calls).toBe(3);
  });

  it('passes other errors through at once', async () => {
    const { pacer, waits } = pacerWith();
    await expect(pacer.webApi('T1', 'users.list', async () => Promise.reject(new SlackApiError('users.list', 'invalid_auth')))).rejects.toMatchObject({
      code: 'invalid_auth',
    });
    expect(waits).toEqual([]);
  });

  it('takes from every bucket a SCIM write counts against', async () => {
    const { pacer, clock } = pacerWith();
    const start = clock.now();
    // POST /Users: burst 19 (20 less one kept back), then 180 per minute (one every 333 ms).
    for (let i = 0; i < 20; i++) await pacer.scim('T1', 'create', async () => undefined);
    expect(clock.now() - start).toBeGreaterThanOrEqual(333);
    expect(clock.now() - start).toBeLessThan(400);
  });
});

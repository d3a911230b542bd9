import { InMemoryRateLimiter, type Clock } from '@parley/cache';
import { bucketSpec, DOCUMENTED_GRAPH_LIMITS, type LimitSetting } from './limits';

/** A clock that only moves when someone sleeps, so a bucket's grants come at exact times. */
class SteppingClock implements Clock {
  private time = 0;
  now(): number {
    return this.time;
  }
  async sleep(ms: number): Promise<void> {
    this.time += ms;
  }
}

/** The grant times of `count` back-to-back takes from one bucket sized by bucketSpec. */
async function grantTimes(limit: LimitSetting, timeScale: number, margin: number, count: number): Promise<number[]> {
  const clock = new SteppingClock();
  const limiter = new InMemoryRateLimiter({ clock });
  const spec = bucketSpec(limit, timeScale, margin);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    await limiter.take('b', spec);
    times.push(clock.now());
  }
  return times;
}

/** The most grants inside any half-open span of `windowMs`, wherever it starts (Graph's windows start anywhere). */
function busiestWindow(times: number[], windowMs: number): number {
  let most = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while ((times[end] as number) - (times[start] as number) >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

describe('bucketSpec', () => {
  it.each(Object.entries(DOCUMENTED_GRAPH_LIMITS))('never lets more than the documented %s into any window', async (_name, limit) => {
    for (const timeScale of [1, 0.1]) {
      const times = await grantTimes(limit, timeScale, 0, limit.requests * 3 + 7);
      expect(busiestWindow(times, limit.windowMs * timeScale)).toBeLessThanOrEqual(limit.requests);
    }
  });

  it('gets close to the documented rate over a long run', async () => {
    const limit = DOCUMENTED_GRAPH_LIMITS.perTeam;
    const times = await grantTimes(limit, 1, 0.05, 400);
    const rate = (times.length - 1) / (((times.at(-1) as number) - (times[0] as number)) / 1000);
    expect(rate).toBeGreaterThan(3.7);
    expect(rate).toBeLessThanOrEqual(4);
  });

  it('lets the burst out at once and paces the rest', async () => {
    const times = await grantTimes({ requests: 10, windowMs: 1_000, burst: 4 }, 1, 0, 6);
    expect(times.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(times[4]).toBeCloseTo(143, 0);
  });

  it('stretches windows by the margin and shrinks them with the time scale', () => {
    expect(bucketSpec({ requests: 4, windowMs: 1_000, burst: 1 }, 1, 0)).toEqual({ capacity: 1, refillPerSecond: 4 });
    expect(bucketSpec({ requests: 4, windowMs: 1_000, burst: 1 }, 0.1, 0).refillPerSecond).toBeCloseTo(40);
    expect(bucketSpec({ requests: 4, windowMs: 1_000, burst: 1 }, 1, 0.25).refillPerSecond).toBeCloseTo(3.2);
    expect(bucketSpec({ requests: 3, windowMs: 1_000, burst: 9 }, 1, 0).capacity).toBe(3);
  });
});

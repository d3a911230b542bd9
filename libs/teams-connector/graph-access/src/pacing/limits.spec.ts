import { InMemorySlidingWindowLimiter, type Clock } from '@parley/cache';
import { DOCUMENTED_GRAPH_LIMITS, windowSpec, type LimitSetting } from './limits';

/** A clock that only moves when someone sleeps, so grants come at exact times. */
class SteppingClock implements Clock {
  private time = 0;
  now(): number {
    return this.time;
  }
  async sleep(ms: number): Promise<void> {
    this.time += ms;
  }
}

const defaults = { margin: 0.01, marginMs: 25 };

/** The grant times of `count` back-to-back acquisitions in one window sized by windowSpec. */
async function grantTimes(limit: LimitSetting, settings: { timeScale: number; margin: number; marginMs: number }, count: number): Promise<number[]> {
  const clock = new SteppingClock();
  const limiter = new InMemorySlidingWindowLimiter({ clock, random: () => 0 });
  const spec = windowSpec(limit, settings);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    await limiter.acquire('w', spec);
    times.push(clock.now());
  }
  return times;
}

/** The most grants inside any half-open span of `windowMs`, wherever it starts (Graph's windows start anywhere). */
function busiestWindow(times: readonly number[], windowMs: number): number {
  let most = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while ((times[end] as number) - (times[start] as number) >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

/**
 * How many requests arriving at `arrivals` (sorted) a fixed-window counter like the Graph sandbox's refuses: a
 * window opens at the first arrival after the previous one ended and admits `requests`.
 */
function refusedByFixedWindows(arrivals: readonly number[], limit: LimitSetting, timeScale: number): number {
  const windowMs = limit.windowMs * timeScale;
  let start = -Infinity;
  let count = 0;
  let refused = 0;
  for (const at of arrivals) {
    if (at - start >= windowMs) {
      start = at;
      count = 0;
    }
    if (count >= limit.requests) refused++;
    else count++;
  }
  return refused;
}

/** A deterministic pseudo-random sequence in [0, 1). */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

describe('windowSpec', () => {
  it('stretches the scaled window by the margin and adds the real-time margin unscaled', () => {
    expect(windowSpec({ requests: 150, windowMs: 5_000 }, { timeScale: 1, margin: 0.01, marginMs: 25 })).toEqual({ limit: 150, windowMs: 5_075 });
    expect(windowSpec({ requests: 150, windowMs: 5_000 }, { timeScale: 0.1, margin: 0.01, marginMs: 25 }).windowMs).toBeCloseTo(530);
    expect(windowSpec({ requests: 4, windowMs: 1_000 }, { timeScale: 1, margin: 0, marginMs: 0 })).toEqual({ limit: 4, windowMs: 1_000 });
  });

  it.each(Object.entries(DOCUMENTED_GRAPH_LIMITS))('never lets more than the documented %s into any window, and reaches it', async (_name, limit) => {
    for (const timeScale of [1, 0.1]) {
      const times = await grantTimes(limit, { timeScale, ...defaults }, Math.min(limit.requests * 3 + 7, 3_000));
      expect(busiestWindow(times, limit.windowMs * timeScale)).toBe(limit.requests);
    }
  });

  it('finishes 2,000 invitations within 2 % of the fixed-window floor', async () => {
    const times = await grantTimes(DOCUMENTED_GRAPH_LIMITS.invitations, { timeScale: 1, ...defaults }, 2_000);
    const floor = (Math.ceil(2_000 / 150) - 1) * 5_000;
    expect(times.at(-1)).toBeCloseTo(13 * 5_075);
    expect((times.at(-1) as number) / floor).toBeLessThan(1.02);
  });

  it('draws no 429 from fixed windows when network delays vary by up to the margin', async () => {
    const limit = DOCUMENTED_GRAPH_LIMITS.invitations;
    for (const timeScale of [1, 0.1]) {
      const spec = windowSpec(limit, { timeScale, ...defaults });
      const slack = spec.windowMs - limit.windowMs * timeScale;
      const random = seeded(7);
      const grants = await grantTimes(limit, { timeScale, ...defaults }, 1_000);
      const arrivals = grants.map((t) => t + 40 + random() * slack).sort((a, b) => a - b);
      expect(refusedByFixedWindows(arrivals, limit, timeScale)).toBe(0);
    }
  });

  it('would draw 429s without the margin, so the margin is what keeps them away', async () => {
    const limit = DOCUMENTED_GRAPH_LIMITS.invitations;
    const random = seeded(7);
    const grants = await grantTimes(limit, { timeScale: 0.1, margin: 0, marginMs: 0 }, 1_000);
    const arrivals = grants.map((t) => t + 40 + random() * 30).sort((a, b) => a - b);
    expect(refusedByFixedWindows(arrivals, limit, 0.1)).toBeGreaterThan(0);
  });
});

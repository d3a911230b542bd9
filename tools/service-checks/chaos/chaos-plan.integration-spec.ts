import { CHAOS_APPS, chaosPlan } from './chaos-plan';

describe('chaosPlan', () => {
  const options = { seed: 7, messages: 1_000, killsPerApp: 2, platformFaults: 2 };

  it('is the same plan for the same seed, and another for another seed (a failing run replays)', () => {
    expect(chaosPlan(options)).toEqual(chaosPlan(options));
    expect(chaosPlan({ ...options, seed: 8 }).faults).not.toEqual(chaosPlan(options).faults);
  });

  it('kills every service as often as asked, and has every other kind of fault, in the order they happen', () => {
    const plan = chaosPlan(options);
    for (const app of CHAOS_APPS) expect(plan.faults.filter((f) => f.kind === 'kill' && f.app === app)).toHaveLength(2);
    const kinds = new Set(plan.faults.map((f) => f.kind));
    expect([...kinds].sort()).toEqual(['kill', 'platform-errors', 'redis-flush', 'subscription-expiry', 'throttle-burst']);
    const at = plan.faults.map((f) => f.at);
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(Math.min(...at)).toBeGreaterThanOrEqual(0.1);
    expect(Math.max(...at)).toBeLessThanOrEqual(0.85);
    expect(plan).toMatchObject({ dropNotificationRate: 0.05, duplicateEventRate: 0.02 });
  });
});

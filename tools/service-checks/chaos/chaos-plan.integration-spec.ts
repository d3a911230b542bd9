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
    expect([...kinds].sort()).toEqual(['kill', 'platform-errors', 'server-restart', 'subscription-expiry', 'throttle-burst']);
    expect(plan.faults.flatMap((f) => (f.kind === 'server-restart' ? [f.server] : [])).sort()).toEqual(['kafka', 'postgres', 'redis']);
    const at = plan.faults.map((f) => f.at);
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(Math.min(...at)).toBeGreaterThanOrEqual(0.1);
    expect(Math.max(...at)).toBeLessThanOrEqual(0.85);
    expect(plan).toMatchObject({ replicas: 1, dropNotificationRate: 0.05, duplicateEventRate: 0.02 });
    expect(plan.faults.filter((f) => f.kind === 'kill').every((f) => f.replica === 0)).toBe(true);
  });

  it('picks the replica each kill hits from the seed, leaving the rest of the plan as it is with one', () => {
    const two = chaosPlan({ ...options, replicas: 2 });
    const kills = two.faults.flatMap((f) => (f.kind === 'kill' ? [f.replica] : []));
    expect(new Set(kills)).toEqual(new Set([0, 1]));
    expect(chaosPlan({ ...options, replicas: 2 })).toEqual(two);
    const withoutReplica = (plan: ReturnType<typeof chaosPlan>) => plan.faults.map((f) => (f.kind === 'kill' ? { ...f, replica: 0 } : f));
    expect(withoutReplica(two)).toEqual(withoutReplica(chaosPlan(options)));
  });
});

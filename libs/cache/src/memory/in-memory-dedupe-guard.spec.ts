import { describe, expect, it } from '@jest/globals';
import { describeDedupeGuardContract } from '../testing/dedupe-guard.contract';
import { ManualClock } from '../testing/manual-clock';
import { InMemoryDedupeGuard } from './in-memory-dedupe-guard';

describeDedupeGuardContract('in memory', async () => {
  const guard = new InMemoryDedupeGuard();
  return { first: guard, second: guard, close: async () => undefined };
});

describe('InMemoryDedupeGuard on a manual clock', () => {
  it('remembers a key for exactly its ttl', async () => {
    const clock = new ManualClock();
    const guard = new InMemoryDedupeGuard({ clock });
    expect(await guard.firstSeen('k', 1000)).toBe(true);
    clock.advance(999);
    expect(await guard.firstSeen('k', 1000)).toBe(false);
    clock.advance(1);
    expect(await guard.firstSeen('k', 1000)).toBe(true);
  });
});

import { describe, expect, it } from '@jest/globals';
import { describeDistributedLockContract } from '../testing/distributed-lock.contract';
import { present } from '../testing/contract-subjects';
import { ManualClock } from '../testing/manual-clock';
import { InMemoryDistributedLock } from './in-memory-distributed-lock';

describeDistributedLockContract('in memory', async () => {
  const lock = new InMemoryDistributedLock();
  return { first: lock, second: lock, close: async () => undefined };
});

describe('InMemoryDistributedLock on a manual clock', () => {
  it('expires a lease exactly at its ttl', async () => {
    const clock = new ManualClock();
    const lock = new InMemoryDistributedLock({ clock });
    await lock.acquire('l', 100);
    clock.advance(99);
    expect(await lock.acquire('l', 100)).toBeNull();
    clock.advance(1);
    expect(await lock.acquire('l', 100)).not.toBeNull();
  });

  it('counts an extension from the moment it is made', async () => {
    const clock = new ManualClock();
    const lock = new InMemoryDistributedLock({ clock });
    const lease = present(await lock.acquire('l', 100), 'a lease');
    clock.advance(80);
    expect(await lease.extend(50)).toBe(true);
    clock.advance(49);
    expect(await lock.acquire('l', 100)).toBeNull();
    clock.advance(1);
    expect(await lease.extend(50)).toBe(false);
    expect(await lock.acquire('l', 100)).not.toBeNull();
  });
});

import { describe, expect, it } from '@jest/globals';
import { LockUnavailableError, type DistributedLock, type LockLease } from '../ports/distributed-lock';
import { delay, present, uniqueName, useContractSubjects, type OpenContractSubjects } from './contract-subjects';

/** What every DistributedLock must do; run against each implementation. */
export function describeDistributedLockContract(implementation: string, open: OpenContractSubjects<DistributedLock>): void {
  describe(`DistributedLock contract (${implementation})`, () => {
    const { first, second } = useContractSubjects(open);

    it('has one holder at a time, across connections, and is not re-entrant', async () => {
      const name = uniqueName('exclusive');
      const lease = present(await first().acquire(name, 5000), 'a lease');
      expect(lease.name).toBe(name);
      expect(await second().acquire(name, 5000)).toBeNull();
      expect(await first().acquire(name, 5000)).toBeNull();
      expect(await lease.release()).toBe(true);
    });

    it('lets anyone acquire after the holder releases, and a second release is refused', async () => {
      const name = uniqueName('release');
      const lease = present(await first().acquire(name, 5000), 'a lease');
      expect(await lease.release()).toBe(true);
      expect(await lease.release()).toBe(false);
      const next = present(await second().acquire(name, 5000), 'a lease after the release');
      expect(await next.release()).toBe(true);
    });

    it('grants the lock to exactly one of 50 concurrent acquirers on two connections', async () => {
      const name = uniqueName('race');
      const leases = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? first() : second()).acquire(name, 5000)),
      );
      const winners = leases.filter((l): l is LockLease => l !== null);
      expect(winners).toHaveLength(1);
      await winners[0].release();
    });

    it('expires a lease after its ttl', async () => {
      const name = uniqueName('expiry');
      present(await first().acquire(name, 250), 'a lease');
      expect(await second().acquire(name, 5000)).toBeNull();
      await delay(350);
      const next = present(await second().acquire(name, 5000), 'a lease after the expiry');
      expect(await next.release()).toBe(true);
    });

    it('refuses release and extend by a holder whose lease expired, leaving the new holder alone', async () => {
      const name = uniqueName('stale');
      const stale = present(await first().acquire(name, 50), 'a lease');
      await delay(100);
      const current = present(await second().acquire(name, 5000), 'a lease after the expiry');

      expect(await stale.release()).toBe(false);
      expect(await stale.extend(5000)).toBe(false);
      expect(await first().acquire(name, 5000)).toBeNull(); // still held by `current`
      expect(await current.release()).toBe(true);
    });

    it('extends a lease past its original ttl, counted from the extension', async () => {
      const name = uniqueName('extend');
      const lease = present(await first().acquire(name, 300), 'a lease');
      await delay(100);
      expect(await lease.extend(600)).toBe(true);
      await delay(300); // past the original 300 ms
      expect(await second().acquire(name, 5000)).toBeNull();
      await delay(500); // past the extension
      const next = present(await second().acquire(name, 5000), 'a lease after the extension ran out');
      expect(await next.release()).toBe(true);
    });

    it('withLock runs fn while holding the lock, returns its value and releases', async () => {
      const name = uniqueName('with');
      let inside: LockLease | null | undefined;
      const value = await first().withLock(name, 5000, async () => {
        inside = await second().acquire(name, 5000);
        return 42;
      });
      expect(value).toBe(42);
      expect(inside).toBeNull();
      const after = present(await second().acquire(name, 5000), 'a lease after withLock');
      expect(await after.release()).toBe(true);
    });

    it('withLock releases the lock when fn throws, and passes the error on', async () => {
      const name = uniqueName('with-throw');
      await expect(
        first().withLock(name, 5000, () => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const after = present(await second().acquire(name, 5000), 'a lease after withLock');
      expect(await after.release()).toBe(true);
    });

    it('withLock refuses with LockUnavailableError, without running fn, while someone else holds the lock', async () => {
      const name = uniqueName('with-busy');
      const holder = present(await second().acquire(name, 5000), 'a lease');
      const fn = jest.fn(async () => 'ran');
      const attempt = first().withLock(name, 5000, fn);
      await expect(attempt).rejects.toBeInstanceOf(LockUnavailableError);
      await expect(attempt).rejects.toMatchObject({ lockName: name });
      expect(fn).not.toHaveBeenCalled();
      await holder.release();
    });

    it('withLock keeps the lock while fn runs for several ttls', async () => {
      const name = uniqueName('with-long');
      let inside: LockLease | null | undefined;
      let aborted: boolean | undefined;
      await first().withLock(name, 200, async (signal) => {
        await delay(700);
        inside = await second().acquire(name, 5000);
        aborted = signal.aborted;
      });
      expect(inside).toBeNull();
      expect(aborted).toBe(false);
    });

    it('rejects a ttl that is not a positive whole number of milliseconds', async () => {
      const name = uniqueName('ttl');
      await expect(first().acquire(name, 0)).rejects.toThrow(RangeError);
      await expect(first().acquire(name, 1.5)).rejects.toThrow(RangeError);
      await expect(first().acquire('', 100)).rejects.toThrow(TypeError);
      const lease = present(await first().acquire(name, 1000), 'a lease');
      await expect(lease.extend(-1)).rejects.toThrow(RangeError);
      expect(await lease.release()).toBe(true);
    });
  });
}

import { describe, expect, it } from '@jest/globals';
import type { DedupeGuard } from '../ports/dedupe-guard';
import { delay, uniqueName, useContractSubjects, type OpenContractSubjects } from './contract-subjects';

/** What every DedupeGuard must do; run against each implementation. */
export function describeDedupeGuardContract(implementation: string, open: OpenContractSubjects<DedupeGuard>): void {
  describe(`DedupeGuard contract (${implementation})`, () => {
    const { first, second } = useContractSubjects(open);

    it('says true the first time a key is seen and false after that, on any connection', async () => {
      const key = uniqueName('event');
      expect(await first().firstSeen(key, 5000)).toBe(true);
      expect(await first().firstSeen(key, 5000)).toBe(false);
      expect(await second().firstSeen(key, 5000)).toBe(false);
    });

    it('keeps keys apart', async () => {
      expect(await first().firstSeen(uniqueName('a'), 5000)).toBe(true);
      expect(await first().firstSeen(uniqueName('b'), 5000)).toBe(true);
    });

    it('forgets a key after its ttl, counted from the first sighting', async () => {
      const key = uniqueName('ttl');
      expect(await first().firstSeen(key, 300)).toBe(true);
      await delay(100);
      expect(await second().firstSeen(key, 300)).toBe(false); // must not push the expiry back
      await delay(300);
      expect(await second().firstSeen(key, 300)).toBe(true);
    });

    it('forget() makes the next sighting first again', async () => {
      const key = uniqueName('forget');
      expect(await first().firstSeen(key, 5000)).toBe(true);
      await second().forget(key);
      expect(await first().firstSeen(key, 5000)).toBe(true);
      expect(await first().firstSeen(key, 5000)).toBe(false);
      await expect(first().forget(uniqueName('never-seen'))).resolves.toBeUndefined();
    });

    it('lets exactly one of 100 concurrent callers on two connections see a key first', async () => {
      const key = uniqueName('race');
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? first() : second()).firstSeen(key, 5000)),
      );
      expect(answers.filter(Boolean)).toHaveLength(1);
    });

    it('rejects an empty key and a ttl that is not a positive whole number of milliseconds', async () => {
      await expect(first().firstSeen('', 100)).rejects.toThrow(TypeError);
      await expect(first().firstSeen(uniqueName('ttl'), 0)).rejects.toThrow(RangeError);
      await expect(first().firstSeen(uniqueName('ttl'), 2.5)).rejects.toThrow(RangeError);
    });
  });
}

import type { DedupeGuard } from '../ports/dedupe-guard';
import { systemClock, type Clock } from '../shared/clock';
import { assertName, assertTtl } from '../shared/validate';
import { ExpiringMap } from './expiring-map';

/** DedupeGuard for the embedded single-process mode (a fast path only, see DedupeGuard). */
export class InMemoryDedupeGuard implements DedupeGuard {
  readonly #seen: ExpiringMap<string, true>;

  constructor(options: { clock?: Clock } = {}) {
    const clock = options.clock ?? systemClock;
    this.#seen = new ExpiringMap(() => clock.now());
  }

  async firstSeen(key: string, ttlMs: number): Promise<boolean> {
    assertName('dedupe key', key);
    assertTtl(ttlMs);
    if (this.#seen.get(key)) return false;
    this.#seen.set(key, true, ttlMs);
    return true;
  }

  async forget(key: string): Promise<void> {
    assertName('dedupe key', key);
    this.#seen.delete(key);
  }
}

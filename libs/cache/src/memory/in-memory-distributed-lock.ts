import { randomUUID } from 'node:crypto';
import type { DistributedLock, LockLease } from '../ports/distributed-lock';
import { systemClock, type Clock } from '../shared/clock';
import { runWithLock } from '../shared/run-with-lock';
import { assertName, assertTtl } from '../shared/validate';
import { ExpiringMap } from './expiring-map';

/** DistributedLock for the embedded single-process mode: same semantics (ttl, holder-only release), one process. */
export class InMemoryDistributedLock implements DistributedLock {
  readonly #holders: ExpiringMap<string, string>;

  constructor(options: { clock?: Clock } = {}) {
    const clock = options.clock ?? systemClock;
    this.#holders = new ExpiringMap(() => clock.now());
  }

  async acquire(name: string, ttlMs: number): Promise<LockLease | null> {
    assertName('lock name', name);
    assertTtl(ttlMs);
    if (this.#holders.get(name) !== undefined) return null;
    const token = randomUUID();
    this.#holders.set(name, token, ttlMs);
    const holders = this.#holders;
    return {
      name,
      async release() {
        if (holders.get(name) !== token) return false;
        holders.delete(name);
        return true;
      },
      async extend(newTtlMs: number) {
        assertTtl(newTtlMs);
        if (holders.get(name) !== token) return false;
        holders.set(name, token, newTtlMs);
        return true;
      },
    };
  }

  withLock<T>(name: string, ttlMs: number, fn: (signal: AbortSignal) => Promise<T> | T): Promise<T> {
    return runWithLock(this, name, ttlMs, fn);
  }
}

interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
}

/**
 * A Map whose entries disappear after their ttl, as Redis keys do. Expired entries are dropped when read and, so that
 * keys never read again do not pile up, in a sweep at most once per `sweepEveryMs`.
 */
export class ExpiringMap<K, V> {
  readonly #entries = new Map<K, Entry<V>>();
  #nextSweepAt: number;

  constructor(
    private readonly now: () => number,
    private readonly sweepEveryMs = 60_000,
  ) {
    this.#nextSweepAt = now() + sweepEveryMs;
  }

  get(key: K): V | undefined {
    const now = this.#tick();
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: K, value: V, ttlMs: number): void {
    const now = this.#tick();
    this.#entries.set(key, { value, expiresAt: now + ttlMs });
  }

  /** True when a live entry was removed. */
  delete(key: K): boolean {
    const live = this.get(key) !== undefined;
    this.#entries.delete(key);
    return live;
  }

  /** Entries held, including expired ones not swept yet. */
  get size(): number {
    return this.#entries.size;
  }

  #tick(): number {
    const now = this.now();
    if (now >= this.#nextSweepAt) {
      for (const [key, entry] of this.#entries) {
        if (entry.expiresAt <= now) this.#entries.delete(key);
      }
      this.#nextSweepAt = now + this.sweepEveryMs;
    }
    return now;
  }
}

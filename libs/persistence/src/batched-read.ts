interface Waiting<V> {
  readonly resolve: (value: V | undefined) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Reads by key for concurrent callers, one query for the keys that wait together: while `maxConcurrent` reads run,
 * the keys asked for meanwhile gather and go in the next read. Nothing is cached: every caller sees a read made after
 * it asked, so a row deleted a moment ago is not served from memory (the read side of GroupCommit).
 */
export class BatchedRead<K, V> {
  private readonly waiting = new Map<K, Waiting<V>[]>();
  private running = 0;

  constructor(
    /** Reads the rows of these keys; a key without a row is left out of the answer. */
    private readonly read: (keys: readonly K[]) => Promise<ReadonlyMap<K, V>>,
    private readonly maxConcurrent = 1,
    private readonly maxBatch = 500,
  ) {}

  /** The row of `key`, or undefined when there is none. */
  get(key: K): Promise<V | undefined> {
    const done = new Promise<V | undefined>((resolve, reject) => {
      const list = this.waiting.get(key);
      if (list) list.push({ resolve, reject });
      else this.waiting.set(key, [{ resolve, reject }]);
    });
    this.flush();
    return done;
  }

  /** The rows of `keys` that exist. */
  async getAll(keys: readonly K[]): Promise<Map<K, V>> {
    const values = await Promise.all(keys.map((key) => this.get(key)));
    const found = new Map<K, V>();
    keys.forEach((key, i) => {
      const value = values[i];
      if (value !== undefined) found.set(key, value);
    });
    return found;
  }

  private flush(): void {
    while (this.running < this.maxConcurrent && this.waiting.size > 0) {
      const batch = [...this.waiting.entries()].slice(0, this.maxBatch);
      for (const [key] of batch) this.waiting.delete(key);
      this.running++;
      void this.load(batch).finally(() => {
        this.running--;
        this.flush();
      });
    }
  }

  private async load(batch: readonly (readonly [K, Waiting<V>[]])[]): Promise<void> {
    try {
      const rows = await this.read(batch.map(([key]) => key));
      for (const [key, waiters] of batch) for (const w of waiters) w.resolve(rows.get(key));
    } catch (error) {
      for (const [, waiters] of batch) for (const w of waiters) w.reject(error);
    }
  }
}

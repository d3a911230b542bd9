/**
 * Secrets identity handed out, kept for a short reuse window and then dropped (ADR 0033): a timer deletes each entry
 * when its window ends, so a connector that goes idle holds no token for longer than the window. Concurrent callers of
 * one key share one read of identity. A failed read is not kept; `forget` drops a secret the platform refused.
 */
export class ReusedSecrets<T> {
  private readonly entries = new Map<string, { value: Promise<T>; timer: NodeJS.Timeout }>();

  /**
   * @param reuseMs how long a secret read from identity is reused (0 reads it for every use)
   * @param keepFor how long an answer is kept, at most reuseMs: a shorter time for "no token" answers, so a consent
   *   given meanwhile is seen soon
   */
  constructor(
    private readonly reuseMs: number,
    private readonly keepFor: (value: T) => number = () => reuseMs,
  ) {}

  get(key: string, read: () => Promise<T>): Promise<T> {
    if (this.reuseMs <= 0) return read();
    const found = this.entries.get(key);
    if (found) return found.value;
    const value = read();
    this.keep(key, value, this.reuseMs);
    value.then(
      (answer) => {
        const keepMs = Math.min(this.reuseMs, this.keepFor(answer));
        if (keepMs < this.reuseMs && this.entries.get(key)?.value === value) this.keep(key, value, keepMs);
      },
      () => {
        if (this.entries.get(key)?.value === value) this.forget(key);
      },
    );
    return value;
  }

  forget(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.entries.delete(key);
  }

  /** Drops every secret whose key starts with `prefix` (e.g. all of one connection's). */
  forgetStartingWith(prefix: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.forget(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private keep(key: string, value: Promise<T>, ms: number): void {
    const previous = this.entries.get(key);
    if (previous) clearTimeout(previous.timer);
    const timer = setTimeout(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    }, ms);
    timer.unref();
    this.entries.set(key, { value, timer });
  }
}

/**
 * One partition's messages, worked with up to `limit` at once (ADR 0012): never two of one key at the same time,
 * each key in arrival order, different keys in any order. Completion can therefore come out of order, so the queue
 * tracks it and reports only the contiguous prefix of finished messages (`onCommittable`): an offset is committed only
 * once every earlier offset of the partition is finished, and a crash replays whatever was not, never skips it.
 *
 * A message whose work throws stays unfinished and halts the queue (nothing new starts): the caller decides what
 * comes next (Kafka: rethrow once the in-flight ones settle; in-process: wait for the group's next consumer).
 */
/** Per partition: enough to keep a rate-limited platform busy, few enough for a service's database pool to queue. */
export const DEFAULT_KEY_CONCURRENCY = 4;

export interface KeyOrderedQueueOptions<T> {
  /** Messages worked at the same time (>= 1); 1 is the classic one-at-a-time partition. */
  readonly limit: number;
  readonly work: (item: T) => Promise<void>;
  /** Called with the last item of the finished prefix each time the prefix grows. */
  readonly onCommittable?: (item: T) => void;
  /** Checked before each start: false stops starting new work (shutdown, rebalance) without failing anything. */
  readonly canStart?: () => boolean;
}

type State = 'waiting' | 'running' | 'done';

interface Entry<T> {
  readonly key: string;
  readonly item: T;
  state: State;
}

export class KeyOrderedQueue<T> {
  private readonly entries: Entry<T>[] = [];
  private readonly busyKeys = new Set<string>();
  private running = 0;
  private halted = false;
  private failure: { error: unknown } | undefined;
  private idleWaiters: (() => void)[] = [];
  private changeWaiters: (() => void)[] = [];

  constructor(private options: KeyOrderedQueueOptions<T>) {
    if (!(options.limit >= 1)) throw new Error(`KeyOrderedQueue limit must be at least 1, got ${options.limit}`);
  }

  /** Queues a message behind everything pushed before; `key` null shares one lane (no order promise is lost). */
  push(key: string | null, item: T): void {
    this.entries.push({ key: key ?? '\u0000null-key', item, state: 'waiting' });
    this.pump();
  }

  /** Messages pushed and not yet finished (waiting or running). */
  get unfinished(): number {
    return this.entries.filter((e) => e.state !== 'done').length;
  }

  /** The items pushed and not yet finished, oldest first (for lag figures). */
  unfinishedItems(): T[] {
    const items: T[] = [];
    for (const entry of this.entries) if (entry.state !== 'done') items.push(entry.item);
    return items;
  }

  get inFlight(): number {
    return this.running;
  }

  /** The first error a message's work threw, once it has; the queue is halted from then on. */
  get error(): { error: unknown } | undefined {
    return this.failure;
  }

  get isHalted(): boolean {
    return this.halted;
  }

  /** Start nothing new; what runs finishes. */
  halt(): void {
    this.halted = true;
    this.notify();
  }

  /** Start again after a halt, with new work (the next consumer's handler) if given; a failed message is retried. */
  resume(work?: (item: T) => Promise<void>): void {
    if (work) this.options = { ...this.options, work };
    this.halted = false;
    this.failure = undefined;
    this.pump();
    this.notify();
  }

  /** Resolves when nothing runs and nothing more will start until something changes (empty, halted, or not allowed). */
  async idle(): Promise<void> {
    while (!this.isIdle()) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves at the next completion, failure or halt: lets a caller re-check its own conditions. */
  async changed(): Promise<void> {
    await new Promise<void>((resolve) => this.changeWaiters.push(resolve));
  }

  private isIdle(): boolean {
    if (this.running > 0) return false;
    return this.halted || !this.entries.some((e) => e.state === 'waiting') || !(this.options.canStart?.() ?? true);
  }

  private pump(): void {
    const blockedKeys = new Set<string>();
    for (const entry of this.entries) {
      if (this.halted || this.running >= this.options.limit) break;
      if (entry.state !== 'waiting') continue;
      // An earlier message of this key runs or waits: this one waits its turn.
      if (this.busyKeys.has(entry.key) || blockedKeys.has(entry.key)) {
        blockedKeys.add(entry.key);
        continue;
      }
      if (!(this.options.canStart?.() ?? true)) break;
      this.start(entry);
      blockedKeys.add(entry.key);
    }
    if (this.isIdle()) this.wakeIdle();
  }

  private start(entry: Entry<T>): void {
    entry.state = 'running';
    this.running++;
    this.busyKeys.add(entry.key);
    this.options.work(entry.item).then(
      () => this.finish(entry, undefined),
      (error: unknown) => this.finish(entry, { error }),
    );
  }

  private finish(entry: Entry<T>, failed: { error: unknown } | undefined): void {
    this.running--;
    this.busyKeys.delete(entry.key);
    if (failed) {
      // Unfinished: its offset (and every later one) stays uncommitted, so it is handled again later.
      entry.state = 'waiting';
      this.failure ??= failed;
      this.halted = true;
    } else {
      entry.state = 'done';
      this.releasePrefix();
    }
    this.pump();
    this.notify();
  }

  private releasePrefix(): void {
    let last: Entry<T> | undefined;
    while (this.entries[0]?.state === 'done') last = this.entries.shift();
    if (last) this.options.onCommittable?.(last.item);
  }

  private notify(): void {
    const waiters = this.changeWaiters;
    this.changeWaiters = [];
    for (const wake of waiters) wake();
    if (this.isIdle()) this.wakeIdle();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * The order window of an inbox (ADR 0042, 0043, 0055): how long a conversation's newest row waits before it is handed
 * over, so that a row written before it that reaches Parley later still goes first. A row that took L to arrive is
 * overtaken by one written after it only if the later one arrived more than the window earlier, so the window must
 * cover how late the platform's calls arrive. When they come at once, that is `baseMs`; when they come late (a
 * machine or a replica under strain, calls answered past the platform's deadline and sent again) it widens to the
 * latest arrival seen in the last `horizonMs`, up to `maxMs`: order costs latency only while order is at risk.
 */
export class OrderWindow {
  /** The latest arrival of each second of the horizon (ring buffer, indexed by second). */
  private readonly latest: number[];
  private readonly seconds: number[];

  constructor(
    readonly baseMs: number,
    readonly maxMs: number = baseMs,
    readonly horizonMs = 30_000,
  ) {
    const slots = Math.max(1, Math.ceil(horizonMs / 1000));
    this.latest = new Array<number>(slots).fill(0);
    this.seconds = new Array<number>(slots).fill(-1);
  }

  /** One row arrived `lateMs` after the platform says it was written (arrival minus its own time). */
  observe(lateMs: number, now = Date.now()): void {
    if (!Number.isFinite(lateMs) || lateMs <= 0) return;
    const second = Math.floor(now / 1000);
    const slot = second % this.latest.length;
    if (this.seconds[slot] !== second) {
      this.seconds[slot] = second;
      this.latest[slot] = 0;
    }
    this.latest[slot] = Math.max(this.latest[slot] as number, lateMs);
  }

  /** The window now: the base, or the latest arrival of the horizon, whichever is longer, at most maxMs. */
  current(now = Date.now()): number {
    const second = Math.floor(now / 1000);
    const oldest = second - this.latest.length + 1;
    let late = 0;
    for (let i = 0; i < this.latest.length; i++) {
      if ((this.seconds[i] as number) >= oldest) late = Math.max(late, this.latest[i] as number);
    }
    return Math.max(this.baseMs, Math.min(this.maxMs, Math.ceil(late)));
  }
}

import { handleLane, RETRY_SECONDS } from './ordered-lane';

/** Where a LaneDrainer's events come from and go to: one connector's stored inbound events (ADR 0042). */
export interface LaneSource<E> {
  /**
   * Claims the events of up to `room` lanes (conversations) that nobody handles now: none in `busy` (this replica's),
   * none with an event claimed or held back by another replica. Answers them by lane, each lane in the order its
   * events are to be handled.
   */
  claim(room: number, busy: readonly string[]): Promise<ReadonlyMap<string, readonly E[]>>;
  /** True when the event is done with; false to try it again later (it and the rest of its lane are held back). */
  handle(event: E): Promise<boolean>;
  /** Makes the event unclaimable for `seconds` (0: claimable again at once). */
  holdBack(event: E, seconds: number): Promise<void>;
  /** How long a lane waits after `failed` failed; RETRY_SECONDS when absent. */
  retrySeconds?(failed: E): number;
  /**
   * Extends the claim on these lanes' claimed events (this replica's, still being handled). Called every
   * `renewMs`, so a claim can be short: a replica that dies holding lanes frees them within one lease.
   */
  renew?(lanes: readonly string[]): Promise<void>;
}

export interface LaneDrainerSettings {
  /** Lanes handled side by side by one replica. */
  readonly concurrency: number;
  /** How often it looks for events nobody handles (a crashed replica's, held-back ones). */
  readonly pollMs: number;
  /**
   * How long after a kick it claims, so that events that came together are claimed (and ordered) together: a number,
   * or the inbox's OrderWindow as it is now.
   */
  readonly orderWindowMs: number | (() => number);
  /** How often the claims of the lanes in hand are renewed (source.renew); a third of the lease or less. */
  readonly renewMs?: number;
}

interface Logger {
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * Hands stored inbound events to their handler lane by lane: a lane's events one after another (handleLane), lanes
 * side by side up to `concurrency`, and a lane that finishes makes room for the next at once, so that a slow lane (an
 * echo wait, a slow platform call) holds back only its own conversation. The source's claim keeps a lane in one place
 * across replicas.
 */
export class LaneDrainer<E> {
  private readonly busy = new Set<string>();
  private readonly lanes = new Set<Promise<void>>();
  private draining: Promise<void> | undefined;
  private again = false;
  private settleTimer: NodeJS.Timeout | undefined;
  /** A kick came while the settle timer was pending: what it announced settles later, so the timer runs once more. */
  private kickedWhileSettling = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(
    private readonly source: LaneSource<E>,
    private readonly settings: LaneDrainerSettings,
    private readonly logger: Logger,
    private readonly what = 'inbound events',
  ) {}

  /** Whether it has been stopped (a handler ends its lane early then: its events are claimable again at once). */
  get stopping(): boolean {
    return this.stopped;
  }

  /** Lanes being handled by this replica now. */
  get active(): number {
    return this.lanes.size;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    // Picks up what an earlier process stored and did not handle, then keeps looking for leftovers.
    this.pollTimer = setInterval(() => this.drain(), this.settings.pollMs);
    this.pollTimer.unref();
    if (this.source.renew && this.settings.renewMs) {
      this.renewTimer = setInterval(() => void this.renew(), this.settings.renewMs);
      this.renewTimer.unref();
    }
    this.drain();
  }

  private async renew(): Promise<void> {
    if (this.busy.size === 0 || !this.source.renew) return;
    try {
      await this.source.renew([...this.busy]);
    } catch (error) {
      // The next renewal tries again; a claim that lapses meanwhile lets another replica take the lane.
      this.logger.error({ err: error }, `could not renew the claims on ${this.what}`);
    }
  }

  /** Stops claiming and waits for the lanes being handled (a handler sees `stopping` and ends its lane early). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearInterval(this.renewTimer);
    clearTimeout(this.settleTimer);
    this.settleTimer = undefined;
    await this.draining;
    await Promise.allSettled([...this.lanes]);
  }

  /** New events were stored: they are claimed once settled (orderWindowMs after the kick that announced them, at most). */
  kick(): void {
    if (this.stopped) return;
    const windowMs = typeof this.settings.orderWindowMs === 'function' ? this.settings.orderWindowMs() : this.settings.orderWindowMs;
    if (windowMs <= 0) {
      this.drain();
      return;
    }
    if (this.settleTimer) {
      this.kickedWhileSettling = true;
      return;
    }
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      this.drain();
      if (this.kickedWhileSettling) {
        this.kickedWhileSettling = false;
        this.kick();
      }
    }, windowMs);
    this.settleTimer.unref();
  }

  /** Claims lanes while there is room, and starts each; a call during a claim makes it claim again. */
  private drain(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = (async () => {
      do {
        this.again = false;
        try {
          while (!this.stopped && this.busy.size < this.settings.concurrency) {
            const lanes = await this.source.claim(this.settings.concurrency - this.busy.size, [...this.busy]);
            if (lanes.size === 0) break;
            for (const [lane, events] of lanes) this.run(lane, events);
          }
        } catch (error) {
          this.logger.error({ err: error }, `could not claim ${this.what}; they stay stored`);
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.draining = undefined;
    });
  }

  private run(lane: string, events: readonly E[]): void {
    this.busy.add(lane);
    const order = new Map(events.map((event, index) => [event, index]));
    const running = handleLane(
      events,
      (event) => order.get(event) ?? 0,
      (event) => (this.stopped ? Promise.resolve(false) : this.source.handle(event)),
      (event, seconds) => this.source.holdBack(event, seconds),
      (failed) => (this.stopped ? 0 : (this.source.retrySeconds?.(failed) ?? RETRY_SECONDS)),
    )
      .catch((error: unknown) => this.logger.error({ err: error, lane }, `a lane of ${this.what} failed; its events are claimed again after their lease`))
      .finally(() => {
        this.busy.delete(lane);
        this.lanes.delete(running);
        // Events of this lane that came meanwhile were not claimable while it was busy here.
        this.drain();
      });
    this.lanes.add(running);
  }
}

/** "At most `limit` acquisitions in any interval of `windowMs`", wherever that interval starts. */
export interface SlidingWindowSpec {
  /** A positive whole number. */
  readonly limit: number;
  /** Milliseconds, fractions allowed. */
  readonly windowMs: number;
}

/** `count` acquisitions (default 1) in the window `key`. */
export interface WindowClaim {
  readonly key: string;
  readonly spec: SlidingWindowSpec;
  readonly count?: number;
}

export interface WindowGrant {
  readonly granted: boolean;
  /**
   * 0 when granted; otherwise how long until enough of the acquisitions in the window have left it (whole ms,
   * at least 1), if nobody else takes the freed room first.
   */
  readonly retryAfterMs: number;
}

/**
 * Paces calls under a limit stated as "N requests per window" without ever exceeding it in ANY window, while
 * reaching it exactly (a sliding log: each acquisition is remembered for one window, and a new one is granted only
 * while fewer than `limit` are remembered). Unlike a token bucket it needs no small burst to be safe, so a limit of
 * 150 per 5 s lets 150 go at once and the next 150 exactly 5 s later.
 *
 * Every caller naming the same key (in Redis: every replica) counts against one window, so size the spec for the
 * whole fleet. Acquisitions count from when they are granted: callers should send right after, and stretch the window
 * by whatever delay may lie between that and the platform counting the call.
 */
export interface SlidingWindowLimiter {
  /** Acquires `count` (default 1) in `key` if there is room for all of them, atomically; never waits. */
  tryAcquire(key: string, spec: SlidingWindowSpec, count?: number): Promise<WindowGrant>;

  /**
   * Waits until `count` are acquired, sleeping for retryAfterMs (plus a little jitter) between attempts. Waiters are
   * not queued: under contention a waiter may lose to newer callers, so pass a signal to bound the wait. Rejects with
   * the signal's reason when aborted, acquiring nothing after that.
   */
  acquire(key: string, spec: SlidingWindowSpec, count?: number, signal?: AbortSignal): Promise<void>;

  /**
   * Acquires in every window at once or in none (a request counted by several limits), atomically. Claims on the same
   * key add up and must name the same spec. When refused, retryAfterMs is the longest wait among the windows.
   */
  tryAcquireAll(claims: readonly WindowClaim[]): Promise<WindowGrant>;

  /** tryAcquireAll, waiting as acquire() does. */
  acquireAll(claims: readonly WindowClaim[], signal?: AbortSignal): Promise<void>;
}

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

/** The acquisitions of one grant, to restamp() them later. Treat as opaque. */
export interface WindowTicket {
  readonly id: string;
  /** The claims granted, claims on the same key added up. */
  readonly claims: readonly { readonly key: string; readonly spec: SlidingWindowSpec; readonly count: number }[];
}

export type WindowGrant =
  | { readonly granted: true; readonly retryAfterMs: 0; readonly ticket: WindowTicket }
  | {
      readonly granted: false;
      /**
       * How long until enough of the acquisitions in the window have left it (whole ms, at least 1), if nobody else
       * takes the freed room first.
       */
      readonly retryAfterMs: number;
      readonly ticket?: undefined;
    };

/**
 * Paces calls under a limit stated as "N requests per window" without ever exceeding it in ANY window, while
 * reaching it exactly (a sliding log: each acquisition is remembered for one window, and a new one is granted only
 * while fewer than `limit` are remembered). Unlike a token bucket it needs no small burst to be safe, so a limit of
 * 150 per 5 s lets 150 go at once and the next 150 exactly 5 s later.
 *
 * Every caller naming the same key (in Redis: every replica) counts against one window, so size the spec for the
 * whole fleet. Acquisitions count from when they are granted, by the store's clock (Redis: the server's TIME): stretch
 * the window by the delay that may lie between that and the platform counting the call, or restamp() them once the
 * call is known to have been counted.
 */
export interface SlidingWindowLimiter {
  /** Acquires `count` (default 1) in `key` if there is room for all of them, atomically; never waits. */
  tryAcquire(key: string, spec: SlidingWindowSpec, count?: number): Promise<WindowGrant>;

  /**
   * Waits until `count` are acquired, sleeping for retryAfterMs (plus at most 2 %, up to 5 ms, of jitter) between
   * attempts. Waiters are not queued: under contention a waiter may lose to newer callers, so pass a signal to bound
   * the wait. Rejects with the signal's reason when aborted, acquiring nothing after that.
   */
  acquire(key: string, spec: SlidingWindowSpec, count?: number, signal?: AbortSignal): Promise<WindowTicket>;

  /**
   * Acquires in every window at once or in none (a request counted by several limits), atomically. Claims on the same
   * key add up and must name the same spec. When refused, retryAfterMs is the longest wait among the windows.
   */
  tryAcquireAll(claims: readonly WindowClaim[]): Promise<WindowGrant>;

  /** tryAcquireAll, waiting as acquire() does. */
  acquireAll(claims: readonly WindowClaim[], signal?: AbortSignal): Promise<WindowTicket>;

  /**
   * Counts the ticket's acquisitions from `backdateMs` (default 0) before now instead, where that is later than when
   * they count from now: for a call that went out, or was answered, a while after its grant, or one still on its way.
   * It only ever moves acquisitions later, so it can only hold back later grants, never let more through. That
   * includes acquisitions that have already left their window: they count again (a call the platform may count only
   * now must hold its place now), unless now - backdateMs is itself outside the window.
   */
  restamp(ticket: WindowTicket, backdateMs?: number): Promise<void>;
}

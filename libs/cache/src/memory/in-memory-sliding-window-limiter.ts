import type { SlidingWindowLimiter, SlidingWindowSpec, WindowClaim, WindowGrant } from '../ports/sliding-window-limiter';
import { systemClock, type Clock } from '../shared/clock';
import {
  acquireWhenGranted,
  normalizeClaims,
  pruneLog,
  recordInLog,
  retryAfterOf,
  waitForRoom,
  type NormalizedClaim,
} from '../shared/sliding-window';
import { ExpiringMap } from './expiring-map';

/**
 * SlidingWindowLimiter for the embedded single-process mode: each window is a sorted array of grant times, forgotten
 * once its newest acquisition has left the window.
 */
export class InMemorySlidingWindowLimiter implements SlidingWindowLimiter {
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #logs: ExpiringMap<string, number[]>;

  /** `random` drives the jitter added to waits (tests pass a fixed one). */
  constructor(options: { clock?: Clock; random?: () => number } = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#logs = new ExpiringMap(() => this.#clock.now());
  }

  async tryAcquire(key: string, spec: SlidingWindowSpec, count = 1): Promise<WindowGrant> {
    return this.#attempt(normalizeClaims([{ key, spec, count }]));
  }

  async acquire(key: string, spec: SlidingWindowSpec, count = 1, signal?: AbortSignal): Promise<void> {
    await this.#acquire(normalizeClaims([{ key, spec, count }]), signal);
  }

  async tryAcquireAll(claims: readonly WindowClaim[]): Promise<WindowGrant> {
    return this.#attempt(normalizeClaims(claims));
  }

  async acquireAll(claims: readonly WindowClaim[], signal?: AbortSignal): Promise<void> {
    await this.#acquire(normalizeClaims(claims), signal);
  }

  #acquire(claims: readonly NormalizedClaim[], signal?: AbortSignal): Promise<void> {
    return acquireWhenGranted(async (c) => this.#attempt(c), (ms, s) => this.#clock.sleep(ms, s), this.#random, claims, signal);
  }

  // Synchronous from read to write, so concurrent callers in this process cannot interleave.
  #attempt(claims: readonly NormalizedClaim[]): WindowGrant {
    const now = this.#clock.now();
    const logs = claims.map((claim) => {
      const times = this.#logs.get(claim.key) ?? [];
      pruneLog(times, now, claim.spec.windowMs);
      return times;
    });
    const wait = Math.max(...claims.map((claim, i) => waitForRoom(logs[i] as number[], now, claim)));
    if (wait > 0) return { granted: false, retryAfterMs: retryAfterOf(wait) };
    claims.forEach((claim, i) => {
      const times = logs[i] as number[];
      recordInLog(times, now, claim.count);
      // Once the newest acquisition has left the window, an empty log is the same as this one.
      this.#logs.set(claim.key, times, (times.at(-1) as number) + claim.spec.windowMs - now);
    });
    return { granted: true, retryAfterMs: 0 };
  }
}

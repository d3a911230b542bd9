import type { SlidingWindowLimiter, SlidingWindowSpec, WindowClaim, WindowGrant, WindowTicket } from '../ports/sliding-window-limiter';
import { systemClock, type Clock } from '../shared/clock';
import {
  acquireWhenGranted,
  assertRestamp,
  newTicketId,
  normalizeClaims,
  pruneLog,
  recordInLog,
  restampInLog,
  retryAfterOf,
  waitForRoom,
  type LogEntry,
  type NormalizedClaim,
} from '../shared/sliding-window';
import { ExpiringMap } from './expiring-map';

/**
 * SlidingWindowLimiter for the embedded single-process mode: each window is a sorted array of acquisitions, forgotten
 * once its newest one has left the window.
 */
export class InMemorySlidingWindowLimiter implements SlidingWindowLimiter {
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #logs: ExpiringMap<string, LogEntry[]>;

  /** `random` drives the jitter added to waits (tests pass a fixed one). */
  constructor(options: { clock?: Clock; random?: () => number } = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#logs = new ExpiringMap(() => this.#clock.now());
  }

  async tryAcquire(key: string, spec: SlidingWindowSpec, count = 1): Promise<WindowGrant> {
    return this.#attempt(normalizeClaims([{ key, spec, count }]));
  }

  acquire(key: string, spec: SlidingWindowSpec, count = 1, signal?: AbortSignal): Promise<WindowTicket> {
    return this.#acquire(() => normalizeClaims([{ key, spec, count }]), signal);
  }

  async tryAcquireAll(claims: readonly WindowClaim[]): Promise<WindowGrant> {
    return this.#attempt(normalizeClaims(claims));
  }

  acquireAll(claims: readonly WindowClaim[], signal?: AbortSignal): Promise<WindowTicket> {
    return this.#acquire(() => normalizeClaims(claims), signal);
  }

  async restamp(ticket: WindowTicket, backdateMs = 0): Promise<void> {
    assertRestamp(ticket, backdateMs);
    const now = this.#clock.now();
    const at = now - backdateMs;
    for (const claim of ticket.claims) {
      if (at <= now - claim.spec.windowMs) continue;
      const log = this.#logs.get(claim.key) ?? [];
      pruneLog(log, now, claim.spec.windowMs);
      if (restampInLog(log, ticket.id, at, claim.count)) this.#keep(claim.key, log, now, claim.spec.windowMs);
    }
  }

  async #acquire(normalize: () => NormalizedClaim[], signal?: AbortSignal): Promise<WindowTicket> {
    return acquireWhenGranted(async (c) => this.#attempt(c), (ms, s) => this.#clock.sleep(ms, s), this.#random, normalize(), signal);
  }

  // Synchronous from read to write, so concurrent callers in this process cannot interleave.
  #attempt(claims: readonly NormalizedClaim[]): WindowGrant {
    const now = this.#clock.now();
    const logs = claims.map((claim) => {
      const log = this.#logs.get(claim.key) ?? [];
      pruneLog(log, now, claim.spec.windowMs);
      return log;
    });
    const wait = Math.max(...claims.map((claim, i) => waitForRoom(logs[i] as LogEntry[], now, claim)));
    if (wait > 0) return { granted: false, retryAfterMs: retryAfterOf(wait) };
    const ticket: WindowTicket = { id: newTicketId(), claims: claims.map((c) => ({ key: c.key, spec: c.spec, count: c.count })) };
    claims.forEach((claim, i) => {
      const log = logs[i] as LogEntry[];
      recordInLog(log, now, claim.count, ticket.id);
      this.#keep(claim.key, log, now, claim.spec.windowMs);
    });
    return { granted: true, retryAfterMs: 0, ticket };
  }

  /** Stores the log until its newest acquisition has left the window: after that, an empty log is the same. */
  #keep(key: string, log: LogEntry[], now: number, windowMs: number): void {
    this.#logs.set(key, log, (log.at(-1) as LogEntry).at + windowMs - now);
  }
}

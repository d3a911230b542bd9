import { randomBytes } from 'node:crypto';
import type { SlidingWindowSpec, WindowClaim, WindowGrant, WindowTicket } from '../ports/sliding-window-limiter';
import { assertName } from './validate';

/** A claim after validation, with claims on the same key added up. */
export interface NormalizedClaim {
  readonly key: string;
  readonly spec: SlidingWindowSpec;
  readonly count: number;
}

export function assertWindowSpec(key: string, spec: SlidingWindowSpec): void {
  assertName('window key', key);
  if (!(Number.isSafeInteger(spec?.limit) && spec.limit > 0)) {
    throw new RangeError(`limit must be a positive whole number, got ${spec?.limit}`);
  }
  if (!(Number.isFinite(spec.windowMs) && spec.windowMs > 0)) {
    throw new RangeError(`windowMs must be a positive number, got ${spec.windowMs}`);
  }
}

/**
 * Validates claims and adds up those on the same key (which must agree on the spec), in first-seen order. Throws for
 * what could never be granted, since acquire() would wait forever.
 */
export function normalizeClaims(claims: readonly WindowClaim[]): NormalizedClaim[] {
  if (!Array.isArray(claims) || claims.length === 0) throw new RangeError('at least one window claim is needed');
  const byKey = new Map<string, { key: string; spec: SlidingWindowSpec; count: number }>();
  for (const claim of claims) {
    assertWindowSpec(claim.key, claim.spec);
    const count = claim.count ?? 1;
    if (!(Number.isSafeInteger(count) && count > 0)) throw new RangeError(`count must be a positive whole number, got ${count}`);
    const seen = byKey.get(claim.key);
    if (!seen) {
      byKey.set(claim.key, { key: claim.key, spec: { limit: claim.spec.limit, windowMs: claim.spec.windowMs }, count });
      continue;
    }
    if (seen.spec.limit !== claim.spec.limit || seen.spec.windowMs !== claim.spec.windowMs) {
      throw new RangeError(`window "${claim.key}" is claimed with two different specs`);
    }
    seen.count += count;
  }
  const normalized = [...byKey.values()];
  for (const claim of normalized) {
    if (claim.count > claim.spec.limit) {
      throw new RangeError(`cannot acquire ${claim.count} at once in window "${claim.key}" of limit ${claim.spec.limit}`);
    }
  }
  return normalized;
}

/** A fresh ticket id: unique across replicas, so Redis members of different grants never collide. */
export function newTicketId(): string {
  return randomBytes(12).toString('base64url');
}

/** Throws unless `ticket` looks like one a limiter handed out and `backdateMs` is usable. */
export function assertRestamp(ticket: WindowTicket, backdateMs: number): void {
  if (typeof ticket?.id !== 'string' || ticket.id.length === 0 || !Array.isArray(ticket.claims) || ticket.claims.length === 0) {
    throw new TypeError('restamp() needs a ticket from a granted acquisition');
  }
  for (const claim of ticket.claims) {
    assertWindowSpec(claim.key, claim.spec);
    if (!(Number.isSafeInteger(claim.count) && claim.count > 0)) throw new TypeError('restamp() needs a ticket from a granted acquisition');
  }
  if (!(Number.isFinite(backdateMs) && backdateMs >= 0)) throw new RangeError(`backdateMs must be a number of at least 0, got ${backdateMs}`);
}

/** Jitter is at most this share of the wait... */
const JITTER_SHARE = 0.02;
/** ...and never more than this, so a waiter resumes within a few ms of the room it waited for. */
const MAX_JITTER_MS = 5;

/**
 * A little extra sleep on top of retryAfterMs, so waiters refused together do not all retry in the same instant:
 * at most 2 % of the wait, up to 5 ms.
 */
export function jitterMs(retryAfterMs: number, random: () => number): number {
  return Math.min(MAX_JITTER_MS, retryAfterMs * JITTER_SHARE) * random();
}

type TryAll = (claims: readonly NormalizedClaim[]) => Promise<WindowGrant>;
type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** acquire()/acquireAll() on top of the atomic attempt: sleep for retryAfterMs (plus jitter) and try again. */
export async function acquireWhenGranted(
  tryAll: TryAll,
  sleep: Sleep,
  random: () => number,
  claims: readonly NormalizedClaim[],
  signal?: AbortSignal,
): Promise<WindowTicket> {
  for (;;) {
    signal?.throwIfAborted();
    const grant = await tryAll(claims);
    if (grant.granted) return grant.ticket;
    await sleep(grant.retryAfterMs + jitterMs(grant.retryAfterMs, random), signal);
  }
}

/** One acquisition in an in-memory log: when it counts from, and whose it is. */
export interface LogEntry {
  readonly at: number;
  readonly ticketId: string;
}

/** The first index of the sorted log whose entry counts from later than `bound`. */
function firstAfter(log: readonly LogEntry[], bound: number): number {
  let low = 0;
  let high = log.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((log[middle] as LogEntry).at <= bound) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Drops the acquisitions of a sorted log that have left the window at `now` (those at or before now - windowMs). */
export function pruneLog(log: LogEntry[], now: number, windowMs: number): void {
  const live = firstAfter(log, now - windowMs);
  if (live > 0) log.splice(0, live);
}

/**
 * How long until a pruned, sorted log has room for `count` more: 0 when it has room now, else the time until the
 * acquisition that must leave has left. The Redis script (redis-sliding-window-limiter.ts) does the same: change both
 * together.
 */
export function waitForRoom(log: readonly LogEntry[], now: number, claim: NormalizedClaim): number {
  const excess = log.length + claim.count - claim.spec.limit;
  if (excess <= 0) return 0;
  // The log is pruned, so this entry is after now - windowMs and the wait is positive.
  return (log[excess - 1] as LogEntry).at + claim.spec.windowMs - now;
}

/** Records `count` acquisitions at `at`, keeping the log sorted (also when the clock stepped back). */
export function recordInLog(log: LogEntry[], at: number, count: number, ticketId: string): void {
  log.splice(firstAfter(log, at), 0, ...Array.from({ length: count }, () => ({ at, ticketId })));
}

/**
 * Counts the ticket's `count` acquisitions in a pruned log from `at` where they count from earlier, those that have
 * already left the log included; returns whether anything changed. `at` must lie inside the window.
 */
export function restampInLog(log: LogEntry[], ticketId: string, at: number, count: number): boolean {
  const staying = log.filter((entry) => !(entry.ticketId === ticketId && entry.at < at));
  const alreadyLater = staying.filter((entry) => entry.ticketId === ticketId).length;
  const moving = count - Math.min(count, alreadyLater);
  if (moving === 0) return false;
  log.splice(0, log.length, ...staying);
  recordInLog(log, at, moving, ticketId);
  return true;
}

/** A wait as the limiter reports it: whole milliseconds, at least 1, never short of the exact one. */
export function retryAfterOf(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs));
}

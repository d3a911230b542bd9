/** A held lock. The lock expires by itself after its ttl unless extended, so a crashed holder cannot block others. */
export interface LockLease {
  readonly name: string;
  /** Gives the lock up. False when it was no longer ours (expired, maybe taken by someone else): nothing is touched. */
  release(): Promise<boolean>;
  /** Resets the ttl to `ttlMs` from now. False when the lock was no longer ours. */
  extend(ttlMs: number): Promise<boolean>;
}

/**
 * Mutual exclusion across processes for work that must not run twice at once (one guest creation per person, one
 * subscription renewal per tenant). A lease is a hint that holds while its ttl runs, not a fence: work that must
 * never be doubled still needs its idempotency key.
 */
export interface DistributedLock {
  /** The lease, or null at once when someone holds `name` (no waiting, not re-entrant). */
  acquire(name: string, ttlMs: number): Promise<LockLease | null>;

  /**
   * Runs `fn` while holding `name`, extending the lease in the background every ttl/3 and releasing it afterwards.
   * Rejects with LockUnavailableError, without calling `fn`, when someone else holds it. The signal handed to `fn`
   * aborts (with LockLostError) if the lease is lost midway, so long work can stop before it overlaps another holder.
   */
  withLock<T>(name: string, ttlMs: number, fn: (signal: AbortSignal) => Promise<T> | T): Promise<T>;
}

export class LockUnavailableError extends Error {
  constructor(readonly lockName: string) {
    super(`lock "${lockName}" is held by someone else`);
    this.name = 'LockUnavailableError';
  }
}

export class LockLostError extends Error {
  constructor(readonly lockName: string) {
    super(`lock "${lockName}" was lost before the work finished`);
    this.name = 'LockLostError';
  }
}

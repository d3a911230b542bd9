export interface RetryPolicy {
  /** Total handler attempts before dead-lettering (1 = no retry). */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /**
   * How long after its first attempt a message whose handler keeps failing transiently (isTransientFailure: a peer
   * or the database down or restarting) is still retried, past maxAttempts. A restart takes seconds, more than the
   * few attempts a wrong message gets; dead-lettering it then would lose work that was fine. 0 or absent: no longer.
   */
  readonly transientForMs?: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 30_000, transientForMs: 180_000 };

/** Exponential backoff with full jitter, so replicas retrying the same dependency do not stampede together. */
export function backoffDelay(policy: RetryPolicy, failedAttempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

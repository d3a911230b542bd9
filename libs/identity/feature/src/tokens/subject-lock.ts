import { LockUnavailableError, type DistributedLock } from '@parley/cache';

export class SubjectBusyError extends Error {
  constructor(readonly lockName: string) {
    super(`another request kept "${lockName}" for too long`);
    this.name = 'SubjectBusyError';
  }
}

/**
 * Runs `fn` holding the lock `name`, waiting (with jittered backoff) while another replica holds it: one token
 * request per subject at a time, so a refresh token is redeemed once and the newest one is what gets stored.
 * The lease is extended in the background while `fn` runs (DistributedLock.withLock).
 */
export async function withSubjectLock<T>(
  locks: DistributedLock,
  name: string,
  fn: () => Promise<T>,
  options: { ttlMs?: number; waitMs?: number } = {},
): Promise<T> {
  const ttlMs = options.ttlMs ?? 45_000;
  const deadline = Date.now() + (options.waitMs ?? 30_000);
  for (let attempt = 0; ; attempt++) {
    try {
      return await locks.withLock(name, ttlMs, () => fn());
    } catch (error) {
      if (!(error instanceof LockUnavailableError) || error.lockName !== name) throw error;
    }
    if (Date.now() >= deadline) throw new SubjectBusyError(name);
    const backoff = Math.min(250, 10 * 2 ** attempt) * (0.5 + Math.random());
    await new Promise((resolve) => setTimeout(resolve, backoff));
  }
}

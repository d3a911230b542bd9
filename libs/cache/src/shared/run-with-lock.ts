import { LockLostError, LockUnavailableError, type DistributedLock } from '../ports/distributed-lock';

/** DistributedLock.withLock on top of acquire/extend/release, shared by both implementations. */
export async function runWithLock<T>(
  lock: Pick<DistributedLock, 'acquire'>,
  name: string,
  ttlMs: number,
  fn: (signal: AbortSignal) => Promise<T> | T,
): Promise<T> {
  const lease = await lock.acquire(name, ttlMs);
  if (!lease) throw new LockUnavailableError(name);

  const lost = new AbortController();
  // Renewing at a third of the ttl leaves room for one failed renewal (a Redis blip) before the lease can lapse.
  const renewEveryMs = Math.max(1, Math.floor(ttlMs / 3));
  let confirmedAt = performance.now();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let renewal: Promise<void> = Promise.resolve();

  const renew = async () => {
    try {
      if (await lease.extend(ttlMs)) {
        confirmedAt = performance.now();
      } else {
        lost.abort(new LockLostError(name));
      }
    } catch {
      // Unreachable store: the lease may still be ours until its ttl has run out since the last confirmation.
      if (performance.now() - confirmedAt >= ttlMs) lost.abort(new LockLostError(name));
    }
  };
  const schedule = () => {
    timer = setTimeout(() => {
      renewal = renew().then(() => {
        if (!stopped && !lost.signal.aborted) schedule();
      });
    }, renewEveryMs);
  };
  schedule();

  try {
    return await fn(lost.signal);
  } finally {
    stopped = true;
    clearTimeout(timer);
    await renewal;
    // A failed release only means the lock lapses at its ttl; it must not turn the work's outcome into an error.
    await lease.release().catch(() => false);
  }
}

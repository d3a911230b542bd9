import { describe, expect, it, jest } from '@jest/globals';
import { LockLostError, type LockLease } from '../ports/distributed-lock';
import { delay } from '../testing/contract-subjects';
import { runWithLock } from './run-with-lock';

function lockWith(lease: Partial<LockLease>) {
  const full: LockLease = {
    name: 'l',
    release: jest.fn(async () => true),
    extend: jest.fn(async () => true),
    ...lease,
  };
  return { lease: full, lock: { acquire: jest.fn(async () => full) } };
}

function untilAborted(signal: AbortSignal, limitMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('signal never aborted')), limitMs);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve(signal.reason);
    });
  });
}

describe('runWithLock', () => {
  it('renews the lease about every third of the ttl while fn runs, and stops afterwards', async () => {
    const { lock, lease } = lockWith({});
    await runWithLock(lock, 'l', 60, () => delay(300)); // 15 renewals on an idle machine
    const renewals = (lease.extend as jest.Mock).mock.calls.length;
    expect(renewals).toBeGreaterThanOrEqual(3);
    expect(renewals).toBeLessThanOrEqual(16);
    expect(lease.extend).toHaveBeenCalledWith(60);
    await delay(60);
    expect((lease.extend as jest.Mock).mock.calls.length).toBe(renewals);
    expect(lease.release).toHaveBeenCalledTimes(1);
  });

  it('aborts the signal with LockLostError when a renewal finds the lock taken', async () => {
    const { lock } = lockWith({ extend: async () => false });
    const reason = await runWithLock(lock, 'l', 30, (signal) => untilAborted(signal, 1000));
    expect(reason).toBeInstanceOf(LockLostError);
  });

  it('tolerates failing renewals until the ttl has run out since the last confirmed one', async () => {
    const { lock } = lockWith({
      extend: async () => {
        throw new Error('connection lost');
      },
    });
    const started = performance.now();
    const reason = await runWithLock(lock, 'l', 90, (signal) => untilAborted(signal, 1000));
    expect(reason).toBeInstanceOf(LockLostError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(85);
  });

  it('returns the value of fn even when the release fails', async () => {
    const { lock } = lockWith({
      release: async () => {
        throw new Error('connection lost');
      },
    });
    await expect(runWithLock(lock, 'l', 1000, () => 'done')).resolves.toBe('done');
  });
});

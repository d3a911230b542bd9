import { GroupCommit } from './group-commit';

/** A group commit that records each batch it applies (each taking `applyMs`) and never falls back to one by one. */
function recording(maxBatch: number, maxConcurrent: number, applyMs = 0): { batches: number[][]; commits: GroupCommit<number> } {
  const batches: number[][] = [];
  const commits = new GroupCommit<number>({
    maxBatch,
    maxConcurrent,
    applyBatch: async (items) => {
      batches.push([...items]);
      if (applyMs > 0) await new Promise((resolve) => setTimeout(resolve, applyMs));
    },
    applyOne: async () => Promise.reject(new Error('not expected')),
  });
  return { batches, commits };
}

describe('GroupCommit', () => {
  it('puts what arrives while a transaction is open into the next one, up to the batch size', async () => {
    const { batches, commits } = recording(3, 1, 5);
    await Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => commits.submit(n)));
    // Three at a time, the rest queued behind the open transaction.
    expect(batches).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('gathers what is submitted in the same turn into one transaction, even while other slots are free', async () => {
    const { batches, commits } = recording(50, 8);
    // The way the bus hands over a fetched batch: one handler call per message, each awaiting a little first.
    await Promise.all(
      Array.from({ length: 20 }, async (_, n) => {
        await Promise.resolve();
        await commits.submit(n);
      }),
    );
    await commits.submit(20);
    expect(batches).toEqual([Array.from({ length: 20 }, (_, n) => n), [20]]);
  });

  it('retries a failed batch item by item, so only the bad item fails', async () => {
    const single: number[] = [];
    const commits = new GroupCommit<number>({
      maxBatch: 10,
      maxConcurrent: 1,
      applyBatch: async (items) => {
        if (items.includes(13)) throw new Error('batch rolled back');
      },
      applyOne: async (item) => {
        single.push(item);
        if (item === 13) throw new Error('13 cannot be applied');
      },
    });
    await commits.submit(1);
    const outcomes = await Promise.allSettled([2, 13, 4].map((n) => commits.submit(n)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(new Error('13 cannot be applied'));
    expect(single.sort((a, b) => a - b)).toEqual([2, 4, 13]);
  });

  it('keeps at most maxConcurrent transactions open', async () => {
    let open = 0;
    let most = 0;
    const commits = new GroupCommit<number>({
      maxBatch: 1,
      maxConcurrent: 2,
      applyBatch: async () => {
        most = Math.max(most, ++open);
        await new Promise((resolve) => setTimeout(resolve, 2));
        open--;
      },
      applyOne: async () => undefined,
    });
    await Promise.all(Array.from({ length: 10 }, (_, i) => commits.submit(i)));
    expect(most).toBe(2);
  });
});

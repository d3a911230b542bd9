import { KeyOrderedQueue } from './key-ordered-queue';

interface Gate {
  readonly promise: Promise<void>;
  open(): void;
  fail(error: Error): void;
}

function gate(): Gate {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Items are offsets; each has a gate the test opens, so completion order is the test's choice. */
function harness(limit: number, keys: readonly string[]) {
  const gates = keys.map(() => gate());
  const started: number[] = [];
  const committable: number[] = [];
  let allowed = true;
  const queue = new KeyOrderedQueue<number>({
    limit,
    work: async (offset) => {
      started.push(offset);
      await (gates[offset] as Gate).promise;
    },
    onCommittable: (offset) => committable.push(offset),
    canStart: () => allowed,
  });
  keys.forEach((key, offset) => queue.push(key, offset));
  return { queue, gates, started, committable, stopStarting: () => (allowed = false) };
}

describe('KeyOrderedQueue', () => {
  it('runs different keys at once and one key only after its previous message finished', async () => {
    const h = harness(8, ['a', 'b', 'a', 'c']);
    await tick();
    expect(h.started).toEqual([0, 1, 3]);
    h.gates[0]?.open();
    await tick();
    expect(h.started).toEqual([0, 1, 3, 2]);
  });

  it('never has more than `limit` in flight', async () => {
    const h = harness(2, ['a', 'b', 'c', 'd']);
    await tick();
    expect(h.started).toEqual([0, 1]);
    expect(h.queue.inFlight).toBe(2);
    h.gates[1]?.open();
    await tick();
    expect(h.started).toEqual([0, 1, 2]);
    expect(h.queue.inFlight).toBe(2);
  });

  it('reports as committable only the prefix whose every earlier message finished', async () => {
    const h = harness(8, ['a', 'b', 'c', 'd']);
    await tick();
    h.gates[1]?.open();
    h.gates[3]?.open();
    await tick();
    // 1 and 3 are done, but 0 is not: nothing may be committed yet.
    expect(h.committable).toEqual([]);
    h.gates[0]?.open();
    await tick();
    expect(h.committable).toEqual([1]);
    h.gates[2]?.open();
    await tick();
    expect(h.committable).toEqual([1, 3]);
    await h.queue.idle();
  });

  it('keeps a failed message unfinished, halts, and lets what runs finish', async () => {
    const h = harness(8, ['a', 'b', 'a', 'c']);
    await tick();
    h.gates[1]?.open();
    h.gates[0]?.fail(new Error('shutting down mid-retry'));
    await tick();
    expect(h.queue.error?.error).toEqual(new Error('shutting down mid-retry'));
    expect(h.queue.isHalted).toBe(true);
    // a's next message never starts behind its unfinished predecessor; c was already running and finishes.
    h.gates[3]?.open();
    await h.queue.idle();
    expect(h.started).toEqual([0, 1, 3]);
    expect(h.committable).toEqual([]);
    expect(h.queue.unfinished).toBe(2);
  });

  it('after a resume, works the failed message again before its key goes on', async () => {
    const h = harness(8, ['a', 'a']);
    await tick();
    h.gates[0]?.fail(new Error('consumer stopped'));
    await h.queue.idle();
    const retried: number[] = [];
    h.queue.resume(async (offset) => void retried.push(offset));
    await h.queue.idle();
    expect(retried).toEqual([0, 1]);
    expect(h.committable).toEqual([0, 1]);
  });

  it('starts nothing new once starting is no longer allowed, and is idle when what ran finished', async () => {
    const h = harness(1, ['a', 'b', 'c']);
    await tick();
    h.stopStarting();
    h.gates[0]?.open();
    await h.queue.idle();
    expect(h.started).toEqual([0]);
    expect(h.committable).toEqual([0]);
  });
});

import { handleLane, RETRY_SECONDS } from './ordered-lane';

describe('handleLane', () => {
  it('handles a conversation in ts order, and holds back a failed event and every later one for the same time', async () => {
    const handled: string[] = [];
    const held: [string, number][] = [];
    const lane = [{ ts: 3, id: 'c' }, { ts: 1, id: 'a' }, { ts: 2, id: 'b' }, { ts: 4, id: 'd' }];
    await handleLane(
      lane,
      (e) => e.ts,
      async (e) => {
        handled.push(e.id);
        return e.id !== 'b';
      },
      async (e, seconds) => void held.push([e.id, seconds]),
    );
    expect(handled).toEqual(['a', 'b']);
    // Released together: when claimed again none of c and d is claimable before b.
    expect(held).toEqual([
      ['b', RETRY_SECONDS],
      ['c', RETRY_SECONDS],
      ['d', RETRY_SECONDS],
    ]);
  });

  it('handles every event when none fails, and holds back nothing', async () => {
    const handled: number[] = [];
    const held: number[] = [];
    await handleLane([2, 1], (e) => e, async (e) => Boolean(handled.push(e)), async (e) => void held.push(e));
    expect(handled).toEqual([1, 2]);
    expect(held).toEqual([]);
  });
});

describe('handleLane with a backoff', () => {
  it('holds the failed event and the later ones for what the backoff says of the failed one', async () => {
    const held: [number, number][] = [];
    await handleLane([1, 2, 3], (e) => e, async (e) => e !== 2, async (e, seconds) => void held.push([e, seconds]), (failed) => failed * 10);
    expect(held).toEqual([
      [2, 20],
      [3, 20],
    ]);
  });
});

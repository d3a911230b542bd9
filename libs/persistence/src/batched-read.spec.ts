import { BatchedRead } from './batched-read';

describe('BatchedRead', () => {
  const rows = new Map([
    ['a', 1],
    ['b', 2],
    ['c', 3],
  ]);

  it('reads the keys asked for while a read runs together in the next one, each key once', async () => {
    const reads: string[][] = [];
    const lookup = new BatchedRead<string, number>(async (keys) => {
      reads.push([...keys]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return new Map(keys.flatMap((k) => (rows.has(k) ? [[k, rows.get(k) as number] as const] : [])));
    });
    const answers = await Promise.all(['a', 'b', 'c', 'b', 'x'].map((k) => lookup.get(k)));
    expect(answers).toEqual([1, 2, 3, 2, undefined]);
    expect(reads).toEqual([['a'], ['b', 'c', 'x']]);
    expect(await lookup.getAll(['c', 'x', 'a'])).toEqual(new Map([['c', 3], ['a', 1]]));
  });

  it('never answers from memory: a key asked for after a read finished is read again', async () => {
    let version = 1;
    const lookup = new BatchedRead<string, number>(async (keys) => new Map(keys.map((k) => [k, version] as const)));
    expect(await lookup.get('a')).toBe(1);
    version = 2;
    expect(await lookup.get('a')).toBe(2);
  });

  it('fails every caller of a failed read, and reads again for the next', async () => {
    let fail = true;
    const lookup = new BatchedRead<string, number>(async (keys) => {
      if (fail) throw new Error('database gone');
      return new Map(keys.map((k) => [k, 7] as const));
    });
    await expect(Promise.all([lookup.get('a'), lookup.get('b')])).rejects.toThrow('database gone');
    fail = false;
    expect(await lookup.get('a')).toBe(7);
  });
});

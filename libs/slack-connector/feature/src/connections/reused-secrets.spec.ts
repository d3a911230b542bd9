import { ReusedSecrets } from './reused-secrets';

describe('ReusedSecrets', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function counted(answers: (string | undefined | Error)[]) {
    let reads = 0;
    const read = async () => {
      const answer = answers[Math.min(reads++, answers.length - 1)];
      if (answer instanceof Error) throw answer;
      return answer;
    };
    return { read, reads: () => reads };
  }

  it('reuses a secret within its window, one read for concurrent callers, and drops it when the window ends', async () => {
    const secrets = new ReusedSecrets<string | undefined>(60_000);
    const identity = counted(['xoxb-1', 'xoxb-2']);
    const [a, b] = await Promise.all([secrets.get('c1', identity.read), secrets.get('c1', identity.read)]);
    expect([a, b]).toEqual(['xoxb-1', 'xoxb-1']);
    jest.advanceTimersByTime(59_000);
    expect(await secrets.get('c1', identity.read)).toBe('xoxb-1');
    expect(identity.reads()).toBe(1);
    jest.advanceTimersByTime(1_000);
    expect(secrets.size).toBe(0);
    expect(await secrets.get('c1', identity.read)).toBe('xoxb-2');
    expect(identity.reads()).toBe(2);
  });

  it('keeps a "no token" answer for its shorter time, and never keeps a failed read', async () => {
    const secrets = new ReusedSecrets<string | undefined>(60_000, (v) => (v === undefined ? 5_000 : 60_000));
    const identity = counted([undefined, 'xoxp-1']);
    expect(await secrets.get('p1', identity.read)).toBeUndefined();
    jest.advanceTimersByTime(5_000);
    expect(await secrets.get('p1', identity.read)).toBe('xoxp-1');

    const failing = counted([new Error('identity down'), 'xoxp-2']);
    await expect(secrets.get('p2', failing.read)).rejects.toThrow('identity down');
    expect(await secrets.get('p2', failing.read)).toBe('xoxp-2');
  });

  it('forgets a refused secret at once, alone or by prefix; a window of 0 reads every time', async () => {
    const secrets = new ReusedSecrets<string | undefined>(60_000);
    const identity = counted(['a', 'b', 'c']);
    await secrets.get('org|c1|bot', identity.read);
    secrets.forget('org|c1|bot');
    expect(await secrets.get('org|c1|bot', identity.read)).toBe('b');
    secrets.forgetStartingWith('org|c1|');
    expect(await secrets.get('org|c1|bot', identity.read)).toBe('c');

    const never = new ReusedSecrets<string | undefined>(0);
    const each = counted(['x', 'y']);
    await never.get('k', each.read);
    await never.get('k', each.read);
    expect(each.reads()).toBe(2);
    expect(never.size).toBe(0);
  });
});

import { TokenCache, TOKEN_EXPIRY_MARGIN_MS } from './token-cache';

describe('TokenCache', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('reuses a token until two minutes before it expires', async () => {
    const cache = new TokenCache(clock);
    let fetches = 0;
    const fetch = async () => ({ token: `t${++fetches}`, expiresAt: now + 3_600_000 });
    expect(await cache.get('k', fetch)).toBe('t1');
    now += 3_600_000 - TOKEN_EXPIRY_MARGIN_MS - 1;
    expect(await cache.get('k', fetch)).toBe('t1');
    now += 1;
    expect(await cache.get('k', fetch)).toBe('t2');
  });

  it('shares one fetch between concurrent callers and keeps subjects apart', async () => {
    const cache = new TokenCache(clock);
    let fetches = 0;
    const fetch = async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { token: `t${++fetches}`, expiresAt: now + 3_600_000 };
    };
    const [a, b] = await Promise.all([cache.get('a', fetch), cache.get('a', fetch)]);
    expect([a, b]).toEqual(['t1', 't1']);
    expect(await cache.get('b', fetch)).toBe('t2');
  });

  it('fetches again after invalidate, and after a failed fetch', async () => {
    const cache = new TokenCache(clock);
    await cache.get('k', async () => ({ token: 'old', expiresAt: now + 3_600_000 }));
    cache.invalidate('k');
    await expect(cache.get('k', async () => Promise.reject(new Error('identity down')))).rejects.toThrow('identity down');
    expect(await cache.get('k', async () => ({ token: 'new', expiresAt: now + 3_600_000 }))).toBe('new');
  });

  it('does not keep tokens that are about to expire, and stays bounded', async () => {
    const cache = new TokenCache(clock, 3);
    await cache.get('short', async () => ({ token: 's', expiresAt: now + 60_000 }));
    expect(cache.size).toBe(0);
    for (const key of ['a', 'b', 'c', 'd', 'e']) await cache.get(key, async () => ({ token: key, expiresAt: now + 3_600_000 }));
    expect(cache.size).toBe(3);
  });
});

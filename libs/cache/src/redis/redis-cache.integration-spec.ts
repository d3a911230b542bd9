import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { describeDedupeGuardContract } from '../testing/dedupe-guard.contract';
import { describeDistributedLockContract } from '../testing/distributed-lock.contract';
import { describeRateLimiterContract } from '../testing/rate-limiter.contract';
import { describeSlidingWindowLimiterContract } from '../testing/sliding-window-limiter.contract';
import { delay, present, uniqueName, type OpenContractSubjects } from '../testing/contract-subjects';
import { deleteKeysUnder, keysUnder, openInspector, TEST_REDIS_URL, testKeyPrefix } from '../testing/redis-test-support';
import { TcpProxy } from '../testing/tcp-proxy';
import { LuaScript } from './lua-script';
import type { RedisClient } from './redis-client';
import { createRedisConnection, RedisUnavailableError, type RedisConnection } from './redis-connection';

// One prefix per run: the Redis is shared, so this suite never flushes it and deletes only its own keys at the end.
// When Redis does not answer, openInspector() and createRedisConnection() reject and every test fails.
const keyPrefix = testKeyPrefix();
const root = `parley:${keyPrefix}:`;
const otherPrefix = `${keyPrefix}-other`;
let inspector: RedisClient | undefined;
const redis = () => present(inspector, 'the inspector client');

beforeAll(async () => {
  inspector = await openInspector();
});
afterAll(async () => {
  if (!inspector) return;
  await deleteKeysUnder(inspector, root);
  await deleteKeysUnder(inspector, `parley:${otherPrefix}:`);
  await inspector.close();
});

function connect(prefix = keyPrefix, url = TEST_REDIS_URL): Promise<RedisConnection> {
  return createRedisConnection(url, { keyPrefix: prefix, connectTimeoutMs: 2000 });
}

/** Two separate client connections on the same prefix, as two replicas of a service would have. */
function twoReplicas<T>(port: (connection: RedisConnection) => T): OpenContractSubjects<T> {
  return async () => {
    const a = await connect();
    const b = await connect().catch(async (error: unknown) => {
      await a.close();
      throw error;
    });
    return {
      first: port(a),
      second: port(b),
      close: async () => {
        await Promise.all([a.close(), b.close()]);
      },
    };
  };
}

describeRateLimiterContract('Redis', twoReplicas((c) => c.rateLimiter));
describeSlidingWindowLimiterContract('Redis', twoReplicas((c) => c.slidingWindow));
describeDistributedLockContract('Redis', twoReplicas((c) => c.locks));
describeDedupeGuardContract('Redis', twoReplicas((c) => c.dedupe));

describe('Redis adapters', () => {
  let connection: RedisConnection;
  let replica: RedisConnection;

  beforeAll(async () => {
    connection = await connect();
    replica = await connect();
  });
  afterAll(async () => {
    await connection?.close();
    await replica?.close();
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('namespaces every key as parley:<prefix>:<kind>:<name>', async () => {
    const id = randomUUID();
    await connection.rateLimiter.tryTake(`tenant-${id}`, { capacity: 5, refillPerSecond: 1 });
    await connection.slidingWindow.tryAcquire(`invitations-${id}`, { limit: 5, windowMs: 5000 });
    const lease = present(await connection.locks.acquire(`guest-${id}`, 5000), 'a lease');
    await connection.dedupe.firstSeen(`event-${id}`, 5000);

    expect(connection.keyRoot).toBe(root);
    expect((await keysUnder(redis(), root)).filter((key) => key.includes(id))).toEqual([
      `${root}dedupe:event-${id}`,
      `${root}lock:guest-${id}`,
      `${root}ratelimit:tenant-${id}`,
      `${root}window:invitations-${id}`,
    ]);
    await lease.release();
  });

  it('keeps different prefixes apart', async () => {
    const other = await connect(otherPrefix);
    try {
      const bucket = uniqueName('prefix');
      const spec = { capacity: 1, refillPerSecond: 0.01 };
      expect((await connection.rateLimiter.tryTake(bucket, spec)).granted).toBe(true);
      expect((await other.rateLimiter.tryTake(bucket, spec)).granted).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('lets a bucket key expire once the bucket would be full again', async () => {
    const slow = uniqueName('idle-slow');
    await connection.rateLimiter.tryTake(slow, { capacity: 10, refillPerSecond: 1 }, 4);
    const ttl = await redis().pTTL(`${root}ratelimit:${slow}`);
    expect(ttl).toBeGreaterThan(3000);
    expect(ttl).toBeLessThanOrEqual(4000); // 4 tokens at 1 per second

    const fast = uniqueName('idle-fast');
    await connection.rateLimiter.tryTake(fast, { capacity: 2, refillPerSecond: 20 });
    await delay(150); // full again after 50 ms
    expect(await redis().exists(`${root}ratelimit:${fast}`)).toBe(0);
  });

  it('keeps one member per acquisition in a window key, which expires a window after its newest member', async () => {
    const name = uniqueName('window');
    const key = `${root}window:${name}`;
    const spec = { limit: 10, windowMs: 3000.5 };
    await connection.slidingWindow.tryAcquire(name, spec, 3);
    await replica.slidingWindow.tryAcquireAll([{ key: name, spec }, { key: name, spec, count: 2 }]);
    expect(await redis().zCard(key)).toBe(6);
    const ttl = await redis().pTTL(key);
    expect(ttl).toBeGreaterThan(2500);
    expect(ttl).toBeLessThanOrEqual(3001);
    // Scores are the server's time in ms, with sub-millisecond precision.
    const [seconds, micros] = await redis().time();
    const serverNow = Number(seconds) * 1000 + Number(micros) / 1000;
    const scores = (await redis().zRangeWithScores(key, 0, -1)).map((m) => m.score);
    expect(scores.every((score) => Math.abs(serverNow - score) < 2000)).toBe(true);

    const fast = uniqueName('window-fast');
    await connection.slidingWindow.tryAcquire(fast, { limit: 2, windowMs: 50 });
    await delay(150);
    expect(await redis().exists(`${root}window:${fast}`)).toBe(0);
  });

  it('acquires hundreds at once in one window (members added in chunks)', async () => {
    const name = uniqueName('window-many');
    const spec = { limit: 3000, windowMs: 60_000 };
    expect(await connection.slidingWindow.tryAcquire(name, spec, 2500)).toMatchObject({ granted: true, retryAfterMs: 0 });
    expect(await redis().zCard(`${root}window:${name}`)).toBe(2500);
    expect((await replica.slidingWindow.tryAcquire(name, spec, 501)).granted).toBe(false);
    expect((await replica.slidingWindow.tryAcquire(name, spec, 500)).granted).toBe(true);
  });

  it('restamps hundreds of members of one ticket and keeps the key until they leave', async () => {
    const name = uniqueName('window-restamp');
    const key = `${root}window:${name}`;
    const spec = { limit: 500, windowMs: 400 };
    const ticket = await connection.slidingWindow.acquire(name, spec, 450);
    await delay(200);
    await replica.slidingWindow.restamp(ticket);
    const ttl = await redis().pTTL(key);
    expect(ttl).toBeGreaterThan(300); // without the restamp about 200 ms would be left
    const scores = (await redis().zRangeWithScores(key, 0, -1)).map((m) => m.score);
    expect(scores).toHaveLength(450);
    expect(Math.max(...scores) - Math.min(...scores)).toBeLessThan(1);
  });

  it("times sliding windows by the Redis server's clock, whatever the replicas' clocks say", async () => {
    const name = uniqueName('window-clock');
    const spec = { limit: 2, windowMs: 1000 };
    expect((await connection.slidingWindow.tryAcquire(name, spec, 2)).granted).toBe(true);
    const hour = 3_600_000;
    const realDateNow = Date.now.bind(Date);
    const realPerformanceNow = performance.now.bind(performance);
    jest.spyOn(Date, 'now').mockImplementation(() => realDateNow() + hour);
    jest.spyOn(performance, 'now').mockImplementation(() => realPerformanceNow() + hour);
    const grant = await replica.slidingWindow.tryAcquire(name, spec);
    expect(grant.granted).toBe(false);
    expect(grant.retryAfterMs).toBeGreaterThan(500);
    expect(grant.retryAfterMs).toBeLessThanOrEqual(1000);
  });

  it('gives lock and dedupe keys the ttl asked for', async () => {
    const lease = present(await connection.locks.acquire(uniqueName('ttl'), 3000), 'a lease');
    const key = uniqueName('ttl');
    await connection.dedupe.firstSeen(key, 4000);
    const lockTtl = await redis().pTTL(`${root}lock:${lease.name}`);
    const dedupeTtl = await redis().pTTL(`${root}dedupe:${key}`);
    expect(lockTtl).toBeGreaterThan(2500);
    expect(lockTtl).toBeLessThanOrEqual(3000);
    expect(dedupeTtl).toBeGreaterThan(3500);
    expect(dedupeTtl).toBeLessThanOrEqual(4000);
    await lease.release();
  });

  it("times refills by the Redis server's clock, whatever the replicas' clocks say", async () => {
    const bucket = uniqueName('clock');
    const spec = { capacity: 2, refillPerSecond: 1 };
    expect((await connection.rateLimiter.tryTake(bucket, spec, 2)).granted).toBe(true);

    // This replica's clock is an hour ahead; a bucket refilled by client time would be full again.
    const hour = 3_600_000;
    const realDateNow = Date.now.bind(Date);
    const realPerformanceNow = performance.now.bind(performance);
    jest.spyOn(Date, 'now').mockImplementation(() => realDateNow() + hour);
    jest.spyOn(performance, 'now').mockImplementation(() => realPerformanceNow() + hour);

    const grant = await replica.rateLimiter.tryTake(bucket, spec);
    expect(grant.granted).toBe(false);
    expect(grant.retryAfterMs).toBeGreaterThan(500);
    expect(grant.retryAfterMs).toBeLessThanOrEqual(1000);
  });

  it('runs a script the server does not know yet by EVAL, after which EVALSHA finds it', async () => {
    const client = redis();
    const script = new LuaScript(`return ARGV[1] .. KEYS[1] -- ${randomUUID()}`);
    const evalSha = jest.spyOn(client, 'evalSha');
    const evalSource = jest.spyOn(client, 'eval');
    expect(await client.scriptExists(script.sha1)).toEqual([0]);

    expect(await script.run(client, ['b'], ['a'])).toBe('ab'); // NOSCRIPT, then EVAL
    expect([evalSha.mock.calls.length, evalSource.mock.calls.length]).toEqual([1, 1]);
    expect(await client.scriptExists(script.sha1)).toEqual([1]);

    expect(await script.run(client, ['d'], ['c'])).toBe('cd'); // EVALSHA alone
    expect([evalSha.mock.calls.length, evalSource.mock.calls.length]).toEqual([2, 1]);
  });

  it('accepts the URL inside a secret holder such as @parley/config Secret', async () => {
    const viaSecret = await createRedisConnection({ reveal: () => TEST_REDIS_URL }, { keyPrefix });
    try {
      expect((await viaSecret.health.check()).healthy).toBe(true);
    } finally {
      await viaSecret.close();
    }
  });

  it('rejects wrong credentials with the server\'s reason, never the password', async () => {
    const url = new URL(TEST_REDIS_URL);
    url.username = 'parley-nobody';
    url.password = 's3cret-pw';
    const failure = await createRedisConnection(url.toString(), { keyPrefix, connectTimeoutMs: 500 }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(RedisUnavailableError);
    expect((failure as Error).message).toMatch(/WRONGPASS|NOAUTH|AUTH/);
    expect(inspect(failure, { depth: 5 })).not.toContain('s3cret-pw');
  });

  it('reports healthy with the PING latency', async () => {
    const report = await connection.health.check(1000);
    expect(report).toEqual({ healthy: true, latencyMs: expect.any(Number) });
    if (report.healthy) expect(report.latencyMs).toBeLessThan(1000);
  });

  describe('behind a proxy that can fail', () => {
    let proxy: TcpProxy;
    let proxied: RedisConnection;

    beforeAll(async () => {
      const target = new URL(TEST_REDIS_URL);
      proxy = await TcpProxy.start(target.hostname, Number(target.port || 6379));
      const url = new URL(TEST_REDIS_URL);
      url.hostname = '127.0.0.1';
      url.port = String(proxy.port);
      proxied = await connect(keyPrefix, url.toString());
    });
    afterAll(async () => {
      await proxied?.close();
      await proxy?.close();
    });

    it('reports unhealthy within the timeout when Redis stops answering, and healthy once it answers again', async () => {
      proxy.silence();
      const started = performance.now();
      const report = await proxied.health.check(100);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(report).toEqual({ healthy: false, reason: expect.stringContaining('100 ms') });

      proxy.speak();
      expect((await proxied.health.check(1000)).healthy).toBe(true);
    });

    it('fails calls at once while disconnected, then reconnects by itself', async () => {
      proxy.dropConnections();
      const started = performance.now();
      await expect(proxied.rateLimiter.tryTake(uniqueName('outage'), { capacity: 1, refillPerSecond: 1 })).rejects.toThrow();
      expect(performance.now() - started).toBeLessThan(1000);

      let healthy = false;
      for (let i = 0; i < 50 && !healthy; i++) {
        healthy = (await proxied.health.check(200)).healthy;
        if (!healthy) await delay(100);
      }
      expect(healthy).toBe(true);
      expect((await proxied.dedupe.firstSeen(uniqueName('after-outage'), 1000))).toBe(true);
    });
  });

  it('closes idempotently; afterwards health says so and calls reject', async () => {
    const closing = await connect();
    await closing.close();
    await expect(closing.close()).resolves.toBeUndefined();
    expect(await closing.health.check()).toEqual({ healthy: false, reason: expect.any(String) });
    await expect(closing.dedupe.firstSeen(uniqueName('closed'), 1000)).rejects.toThrow();
  });
});

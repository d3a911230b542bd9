import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createRedisConnection, describeRedisTarget, RedisUnavailableError } from './redis-connection';

// These need no Redis: they cover what happens before or instead of a working connection.
describe('createRedisConnection', () => {
  let silentServer: Server | undefined;
  const silentSockets = new Set<Socket>();

  afterEach(async () => {
    for (const socket of silentSockets) socket.destroy();
    await new Promise<void>((resolve) => (silentServer ? silentServer.close(() => resolve()) : resolve()));
    silentServer = undefined;
  });

  it.each(['', 'Relay', 'slack connector', 'a:b', '-x'])('refuses the key prefix %j', async (keyPrefix) => {
    await expect(createRedisConnection('redis://127.0.0.1:1', { keyPrefix })).rejects.toThrow(TypeError);
  });

  it('rejects an unreachable Redis within the connect timeout, naming the host but never the password', async () => {
    const started = performance.now();
    const failure = await createRedisConnection('redis://parley:s3cret-pw@127.0.0.1:1', {
      keyPrefix: 'relay',
      connectTimeoutMs: 300,
    }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(RedisUnavailableError);
    expect((failure as Error).message).toContain('redis://127.0.0.1:1');
    expect(inspect(failure, { depth: 5 })).not.toContain('s3cret-pw');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('rejects, instead of hanging, when the server accepts the connection but never answers', async () => {
    const server = createServer((socket) => silentSockets.add(socket));
    silentServer = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;

    const started = performance.now();
    await expect(createRedisConnection(`redis://127.0.0.1:${port}`, { keyPrefix: 'relay', connectTimeoutMs: 200 })).rejects.toThrow(
      RedisUnavailableError,
    );
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it.each(['redis://parley:s3cret-pw@exa mple:6379', 'http://parley:s3cret-pw@cache:6379', 's3cret-pw'])(
    'rejects the unusable URL %# without repeating it',
    async (url) => {
      const failure = await createRedisConnection(url, { keyPrefix: 'relay' }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(RedisUnavailableError);
      expect(inspect(failure, { depth: 5 })).not.toContain('s3cret-pw');
    },
  );
});

describe('describeRedisTarget', () => {
  it.each([
    ['rediss://parley:s3cret-pw@cache.internal:6380/2', 'rediss://cache.internal:6380/2'],
    ['redis://:s3cret-pw@127.0.0.1:6379', 'redis://127.0.0.1:6379'],
    ['redis://localhost', 'redis://localhost:6379'],
  ])('describes %s without credentials', (url, expected) => {
    expect(describeRedisTarget(url)).toBe(expected);
  });
});

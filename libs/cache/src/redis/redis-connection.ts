import { createClient } from 'redis';
import type { CacheBackend } from '../ports/cache-backend';
import { Keyspace } from './keyspace';
import type { RedisClient } from './redis-client';
import { RedisDedupeGuard } from './redis-dedupe-guard';
import { RedisDistributedLock } from './redis-distributed-lock';
import { RedisPingHealth, type RedisHealth } from './redis-health';
import { RedisRateLimiter } from './redis-rate-limiter';
import { RedisSlidingWindowLimiter } from './redis-sliding-window-limiter';

export interface RedisConnectionOptions {
  /** Namespaces every key as `parley:<keyPrefix>:…` (lowercase letters, digits, ".", "_", "-"), e.g. the service name. */
  readonly keyPrefix: string;
  /** How long createRedisConnection waits for the first connection before it rejects. Default 5000. */
  readonly connectTimeoutMs?: number;
  /**
   * Connection errors (the client reconnects by itself); their messages carry no credentials. Without a handler they
   * are dropped and health.check() is where an outage shows.
   */
  readonly onError?: (error: Error) => void;
}

export interface RedisConnection extends CacheBackend {
  /** `parley:<keyPrefix>:`, the start of every key this connection writes. */
  readonly keyRoot: string;
  /** Where it connects, without credentials: safe to log. */
  readonly target: string;
  readonly health: RedisHealth;
}

/** A URL we must not print: a string, or a holder such as @parley/config's Secret. */
export type RedisUrl = string | { reveal(): string };

/** Thrown when the URL is unusable or Redis does not accept a connection in time. Never contains credentials. */
export class RedisUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RedisUnavailableError';
  }
}

/**
 * Connects to Redis and returns the ports on that one connection. Resolves once connected; rejects with
 * RedisUnavailableError after connectTimeoutMs otherwise, so a service fails fast at startup. Later outages make
 * calls reject at once (no offline queue) while the client reconnects in the background.
 */
export async function createRedisConnection(url: RedisUrl, options: RedisConnectionOptions): Promise<RedisConnection> {
  const keys = new Keyspace(options.keyPrefix);
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  const rawUrl = typeof url === 'string' ? url : url.reveal();
  const target = describeRedisTarget(rawUrl);

  let client: RedisClient;
  try {
    client = createClient({
      url: rawUrl,
      name: `parley:${options.keyPrefix}`,
      // A rate limiter or lock call during an outage should fail now, not queue up and fire in a burst later.
      disableOfflineQueue: true,
      socket: { connectTimeout: connectTimeoutMs },
    });
  } catch {
    // node-redis may quote the URL in its error.
    throw new RedisUnavailableError(`the Redis URL for ${target} has options this client does not understand`);
  }
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    lastError = error;
    options.onError?.(error);
  });

  // The client keeps retrying a refused connection on its own, so the deadline is ours.
  const timedOut = new Error(`no connection within ${connectTimeoutMs} ms`);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timedOut), connectTimeoutMs);
      }),
    ]);
  } catch (error) {
    try {
      client.destroy();
    } catch {
      // already closed by the failed connect
    }
    const cause = error === timedOut ? lastError : error;
    const reason = error === timedOut && lastError ? `${timedOut.message} (last error: ${lastError.message})` : messageOf(error);
    throw new RedisUnavailableError(`Redis at ${target} is not available: ${reason}`, { cause });
  } finally {
    clearTimeout(timer);
  }

  let closing: Promise<void> | undefined;
  return {
    keyRoot: keys.root,
    target,
    rateLimiter: new RedisRateLimiter(client, keys),
    slidingWindow: new RedisSlidingWindowLimiter(client, keys),
    locks: new RedisDistributedLock(client, keys),
    dedupe: new RedisDedupeGuard(client, keys),
    health: new RedisPingHealth(client),
    close() {
      closing ??= client.close().catch(() => client.destroy());
      return closing;
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `redis://host:port/db` without user or password; throws, without quoting it, when the URL is unusable. */
export function describeRedisTarget(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The URL itself may hold a password, so it is not repeated here.
    throw new RedisUnavailableError('the Redis URL is not a valid URL');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new RedisUnavailableError(`the Redis URL must start with redis:// or rediss://, not ${parsed.protocol}//`);
  }
  const db = parsed.pathname && parsed.pathname !== '/' ? parsed.pathname : '';
  return `${parsed.protocol}//${parsed.hostname}:${parsed.port || '6379'}${db}`;
}

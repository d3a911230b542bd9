import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import type { RedisClient } from '../redis/redis-client';

/** The Redis the integration tests use; shared with other suites, so they never flush it and only touch own keys. */
export const TEST_REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** A key prefix of its own for one test run. */
export function testKeyPrefix(): string {
  return `test-cache-${randomUUID().slice(0, 8)}`;
}

/** A plain client for looking at keys from outside the adapters; rejects at once when Redis does not answer. */
export async function openInspector(): Promise<RedisClient> {
  const client: RedisClient = createClient({ url: TEST_REDIS_URL, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export async function keysUnder(client: RedisClient, root: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const batch of client.scanIterator({ MATCH: `${root}*`, COUNT: 500 })) keys.push(...batch);
  return keys.sort();
}

/** Deletes this run's keys (everything under its prefix), leaving everyone else's alone. */
export async function deleteKeysUnder(client: RedisClient, root: string): Promise<void> {
  const keys = await keysUnder(client, root);
  if (keys.length > 0) await client.unlink(keys);
}

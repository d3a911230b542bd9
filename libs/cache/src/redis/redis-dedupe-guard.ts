import type { DedupeGuard } from '../ports/dedupe-guard';
import { assertName, assertTtl } from '../shared/validate';
import type { Keyspace } from './keyspace';
import type { RedisClient } from './redis-client';

/** SET NX PX: the first caller across all replicas creates the key (a fast path only, see DedupeGuard). */
export class RedisDedupeGuard implements DedupeGuard {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: Keyspace,
  ) {}

  async firstSeen(key: string, ttlMs: number): Promise<boolean> {
    assertName('dedupe key', key);
    assertTtl(ttlMs);
    const reply = await this.client.set(this.keys.key('dedupe', key), '1', {
      condition: 'NX',
      expiration: { type: 'PX', value: ttlMs },
    });
    return reply === 'OK';
  }

  async forget(key: string): Promise<void> {
    assertName('dedupe key', key);
    await this.client.del(this.keys.key('dedupe', key));
  }
}

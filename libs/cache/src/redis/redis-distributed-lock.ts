import { randomBytes } from 'node:crypto';
import type { DistributedLock, LockLease } from '../ports/distributed-lock';
import { runWithLock } from '../shared/run-with-lock';
import { assertName, assertTtl } from '../shared/validate';
import type { Keyspace } from './keyspace';
import { LuaScript } from './lua-script';
import type { RedisClient } from './redis-client';

// Compare-and-act in one script: a holder whose lease expired must not delete or prolong the next holder's lock.
const RELEASE_SCRIPT = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);
const EXTEND_SCRIPT = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`);

/** Single-instance Redis lock: SET NX PX with a random token; release and extend only with that token. */
export class RedisDistributedLock implements DistributedLock {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: Keyspace,
  ) {}

  async acquire(name: string, ttlMs: number): Promise<LockLease | null> {
    assertName('lock name', name);
    assertTtl(ttlMs);
    const key = this.keys.key('lock', name);
    const token = randomBytes(16).toString('hex');
    const reply = await this.client.set(key, token, { condition: 'NX', expiration: { type: 'PX', value: ttlMs } });
    if (reply !== 'OK') return null;
    const client = this.client;
    return {
      name,
      async release() {
        return (await RELEASE_SCRIPT.run(client, [key], [token])) === 1;
      },
      async extend(newTtlMs: number) {
        assertTtl(newTtlMs);
        return (await EXTEND_SCRIPT.run(client, [key], [token, String(newTtlMs)])) === 1;
      },
    };
  }

  withLock<T>(name: string, ttlMs: number, fn: (signal: AbortSignal) => Promise<T> | T): Promise<T> {
    return runWithLock(this, name, ttlMs, fn);
  }
}

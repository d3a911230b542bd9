import type { RateLimiter, TokenBucketSpec, TokenGrant } from '../ports/rate-limiter';
import { sleep } from '../shared/clock';
import { takeWhenGranted } from '../shared/take-when-granted';
import { assertTake } from '../shared/validate';
import type { Keyspace } from './keyspace';
import { LuaScript } from './lua-script';
import type { RedisClient } from './redis-client';

/**
 * Refill-then-take in one script, so it is atomic across replicas, timed by the Redis server's clock (TIME), so
 * replicas whose clocks disagree still share one bucket. Same arithmetic as shared/token-bucket.ts.
 * The hash stores fractional tokens as strings (a Lua number returned to Redis is truncated to an integer).
 * A key expires once the bucket would be full again, because a missing key means a full bucket.
 * KEYS[1] bucket; ARGV capacity, refillPerSecond, requested. Returns {granted 0|1, retryAfterMs, remaining}.
 */
const TAKE_SCRIPT = new LuaScript(`
local capacity = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2]) / 1000
local requested = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
if now > ts then
  tokens = tokens + (now - ts) * perMs
  ts = now
end
if tokens > capacity then tokens = capacity end
local slack = 1e-9
local granted = 0
local retry = 0
if tokens + slack >= requested then
  tokens = math.max(0, tokens - requested)
  granted = 1
else
  retry = math.max(1, math.ceil((requested - tokens) / perMs - slack))
end
local idle = math.min(1e12, math.max(1, math.ceil(ts - now + (capacity - tokens) / perMs)))
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'ts', string.format('%.17g', ts))
redis.call('PEXPIRE', KEYS[1], idle)
return {granted, retry, math.floor(tokens + slack)}
`);

export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: Keyspace,
  ) {}

  async tryTake(bucket: string, spec: TokenBucketSpec, tokens = 1): Promise<TokenGrant> {
    assertTake(bucket, spec, tokens);
    const reply = (await TAKE_SCRIPT.run(
      this.client,
      [this.keys.key('ratelimit', bucket)],
      [String(spec.capacity), String(spec.refillPerSecond), String(tokens)],
    )) as [number, number, number];
    return { granted: reply[0] === 1, retryAfterMs: reply[1], remaining: reply[2] };
  }

  async take(bucket: string, spec: TokenBucketSpec, tokens = 1, signal?: AbortSignal): Promise<void> {
    assertTake(bucket, spec, tokens);
    await takeWhenGranted((b, s, t) => this.tryTake(b, s, t), sleep, bucket, spec, tokens, signal);
  }
}

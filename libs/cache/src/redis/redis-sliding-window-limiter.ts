import type { SlidingWindowLimiter, SlidingWindowSpec, WindowClaim, WindowGrant, WindowTicket } from '../ports/sliding-window-limiter';
import { sleep } from '../shared/clock';
import { acquireWhenGranted, assertRestamp, newTicketId, normalizeClaims, type NormalizedClaim } from '../shared/sliding-window';
import type { Keyspace } from './keyspace';
import { LuaScript } from './lua-script';
import type { RedisClient } from './redis-client';

/**
 * One sorted set per window: a member per acquisition, scored by its grant time in ms by the Redis server's clock
 * (TIME), so replicas whose clocks disagree still share one window. All or nothing over every key, atomically; same
 * arithmetic as shared/sliding-window.ts.
 * - drop members at or before now - window (ZREMRANGEBYSCORE), count the rest (ZCARD);
 * - if count + n > limit for any key: refuse with the longest wait until the (count + n - limit)-th oldest has left;
 * - else add n unique members at now to every key and PEXPIRE it to the window (its newest member leaves by then).
 * Scores are formatted explicitly: Lua's own number-to-string conversion keeps 14 digits, about 0.1 ms at today's
 * epoch. The keys must live on one server (no Redis Cluster slots across them).
 * Members are `<ticket id>:<key index>:<n>`, so restamp() can find them.
 * KEYS windows; ARGV[1] the ticket id, then limit, windowMs, count per key. Returns {granted 0|1, retryAfterMs}.
 */
const ACQUIRE_SCRIPT = new LuaScript(`
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local wait = 0
for i = 1, #KEYS do
  local limit = tonumber(ARGV[3 * i - 1])
  local window = tonumber(ARGV[3 * i])
  local count = tonumber(ARGV[3 * i + 1])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', string.format('%.3f', now - window))
  local excess = redis.call('ZCARD', KEYS[i]) + count - limit
  if excess > 0 then
    local leaving = redis.call('ZRANGE', KEYS[i], excess - 1, excess - 1, 'WITHSCORES')
    local left = tonumber(leaving[2]) + window - now
    if left > wait then wait = left end
  end
end
if wait > 0 then return {0, math.max(1, math.ceil(wait))} end
local score = string.format('%.3f', now)
for i = 1, #KEYS do
  local window = tonumber(ARGV[3 * i])
  local count = tonumber(ARGV[3 * i + 1])
  local first = 1
  while first <= count do
    local last = math.min(count, first + 99)
    local args = {}
    for j = first, last do
      args[#args + 1] = score
      args[#args + 1] = ARGV[1] .. ':' .. i .. ':' .. j
    end
    redis.call('ZADD', KEYS[i], unpack(args))
    first = last + 1
  end
  redis.call('PEXPIRE', KEYS[i], math.ceil(window))
end
return {1, 0}
`);

/**
 * Counts a ticket's members from now - backdate (server clock) where they count from earlier, members that have left
 * their window (removed or not yet) included, unless now - backdate is itself outside the window; the key then lives
 * until the moved members have left. Same as restampInLog in shared/sliding-window.ts.
 * KEYS the ticket's windows; ARGV[1] the ticket id, ARGV[2] backdateMs, then windowMs, count per key.
 */
const RESTAMP_SCRIPT = new LuaScript(`
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local at = now - tonumber(ARGV[2])
local score = string.format('%.3f', at)
for i = 1, #KEYS do
  local window = tonumber(ARGV[1 + 2 * i])
  local count = tonumber(ARGV[2 + 2 * i])
  if at > now - window then
    local moved = false
    for j = 1, count do
      local member = ARGV[1] .. ':' .. i .. ':' .. j
      local current = tonumber(redis.call('ZSCORE', KEYS[i], member))
      if not current or current < at then
        redis.call('ZADD', KEYS[i], score, member)
        moved = true
      end
    end
    if moved then
      local ttl = math.ceil(at + window - now)
      if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
    end
  end
end
return 0
`);

export class RedisSlidingWindowLimiter implements SlidingWindowLimiter {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: Keyspace,
    private readonly random: () => number = Math.random,
  ) {}

  async tryAcquire(key: string, spec: SlidingWindowSpec, count = 1): Promise<WindowGrant> {
    return this.attempt(normalizeClaims([{ key, spec, count }]));
  }

  async acquire(key: string, spec: SlidingWindowSpec, count = 1, signal?: AbortSignal): Promise<WindowTicket> {
    return acquireWhenGranted((c) => this.attempt(c), sleep, this.random, normalizeClaims([{ key, spec, count }]), signal);
  }

  async tryAcquireAll(claims: readonly WindowClaim[]): Promise<WindowGrant> {
    return this.attempt(normalizeClaims(claims));
  }

  async acquireAll(claims: readonly WindowClaim[], signal?: AbortSignal): Promise<WindowTicket> {
    return acquireWhenGranted((c) => this.attempt(c), sleep, this.random, normalizeClaims(claims), signal);
  }

  async restamp(ticket: WindowTicket, backdateMs = 0): Promise<void> {
    assertRestamp(ticket, backdateMs);
    const args = [ticket.id, String(backdateMs)];
    for (const claim of ticket.claims) args.push(String(claim.spec.windowMs), String(claim.count));
    await RESTAMP_SCRIPT.run(
      this.client,
      ticket.claims.map((claim) => this.keys.key('window', claim.key)),
      args,
    );
  }

  private async attempt(claims: readonly NormalizedClaim[]): Promise<WindowGrant> {
    const id = newTicketId();
    const args = [id];
    for (const claim of claims) args.push(String(claim.spec.limit), String(claim.spec.windowMs), String(claim.count));
    const reply = (await ACQUIRE_SCRIPT.run(
      this.client,
      claims.map((claim) => this.keys.key('window', claim.key)),
      args,
    )) as [number, number];
    if (reply[0] !== 1) return { granted: false, retryAfterMs: reply[1] };
    return { granted: true, retryAfterMs: 0, ticket: { id, claims: claims.map((c) => ({ key: c.key, spec: c.spec, count: c.count })) } };
  }
}

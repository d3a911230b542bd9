import type { TokenBucketSpec } from '@parley/cache';

/** Slack's Web API rate-limit tiers (calls per minute per method per workspace per app: 1+, 20+, 50+, 100+). */
export type SlackTier = 1 | 2 | 3 | 4;

/** The SCIM calls the connector makes, grouped as Slack's SCIM rate limits group them. */
export type ScimOperation = 'list' | 'get' | 'create' | 'update' | 'delete';

/**
 * How fast the connector may call Slack. Every number is for the whole fleet (the buckets are shared through the
 * cache: Redis in distributed mode), defaulting to Slack's documented limits.
 */
export interface SlackLimits {
  /** Multiplies every window: 0.1 runs ten times faster, to match a time-compressed sandbox. 1 for real Slack. */
  readonly timeScale: number;
  /** Calls per minute of each Web API tier; the bucket holds a minute's worth, Slack tolerating short bursts. */
  readonly tiersPerMinute: Readonly<Record<SlackTier, number>>;
  readonly scim: {
    /** Org-wide, every GET together. */
    readonly readsPerMinute: number;
    /** GET /Users/<id>. */
    readonly userReadsPerMinute: number;
    /** Org-wide, every POST, PUT, PATCH and DELETE together, and the burst Slack allows on them. */
    readonly writesPerMinute: number;
    readonly writeBurst: number;
    /** Each of POST /Users, PUT|PATCH /Users/<id> and DELETE /Users/<id>, and their burst. */
    readonly userWritesPerMinute: number;
    readonly userWriteBurst: number;
  };
  /**
   * How late a granted call may reach Slack (network jitter, and our bucket starting before Slack's). Each bucket
   * keeps back the tokens that refill in that time, so calls bunched up on the way still fit Slack's bucket; the
   * steady rate is unchanged, only the burst is a little smaller.
   */
  readonly jitterAllowanceMs: number;
  /** 429 answers tolerated for one call before giving up (the caller then fails the message for a later retry). */
  readonly rateLimitRetries: number;
  /**
   * chat.postMessage per workspace per minute. Slack documents a workspace limit without its figure (the sandbox
   * models 600); the per-channel 1/s bucket is the one that usually binds.
   */
  readonly postsPerMinute?: number;
}

/** Slack's documented limits (api.slack.com/docs/rate-limits, SCIM API rate limits). */
export const DEFAULT_SLACK_LIMITS: SlackLimits = {
  timeScale: 1,
  tiersPerMinute: { 1: 1, 2: 20, 3: 50, 4: 100 },
  scim: { readsPerMinute: 1000, userReadsPerMinute: 300, writesPerMinute: 600, writeBurst: 180, userWritesPerMinute: 180, userWriteBurst: 20 },
  jitterAllowanceMs: 250,
  rateLimitRetries: 6,
};

/** Tiers of the methods the connector calls, as Slack documents them; anything else is treated as Tier 3. */
export const METHOD_TIERS: Readonly<Record<string, SlackTier>> = {
  'auth.test': 4,
  'users.list': 2,
  'users.info': 4,
  'users.lookupByEmail': 3,
  'conversations.open': 3,
  'conversations.create': 2,
  'conversations.invite': 3,
  'conversations.info': 3,
  'conversations.join': 3,
  'conversations.members': 4,
  'conversations.history': 3,
  'conversations.replies': 3,
  'reactions.add': 3,
  'reactions.remove': 2,
  'chat.update': 3,
  'chat.delete': 3,
  'files.info': 4,
  'files.getUploadURLExternal': 4,
  'files.completeUploadExternal': 4,
};

export function tierOf(method: string): SlackTier {
  return METHOD_TIERS[method] ?? 3;
}

/**
 * A bucket refilled at `perMinute` per (scaled) minute holding `burst` tokens, less those that refill within the
 * jitter allowance (at least one when there is an allowance): a call granted here may reach Slack that much later.
 */
export function perMinuteBucket(perMinute: number, burst: number, timeScale: number, jitterAllowanceMs = 0): TokenBucketSpec {
  const refillPerSecond = perMinute / 60 / timeScale;
  const spare = jitterAllowanceMs > 0 ? Math.max(1, Math.ceil((refillPerSecond * jitterAllowanceMs) / 1000)) : 0;
  return { capacity: Math.max(1, burst - spare), refillPerSecond };
}

export interface PacedBucket {
  readonly key: string;
  readonly spec: TokenBucketSpec;
}

/** The Web API bucket for one method in one workspace (Slack counts per method per workspace per app). */
export function webApiBucket(limits: SlackLimits, workspace: string, method: string): PacedBucket {
  const perMinute = method === 'chat.postMessage' ? (limits.postsPerMinute ?? 600) : limits.tiersPerMinute[tierOf(method)];
  return { key: `slack:${workspace}:web:${method}`, spec: perMinuteBucket(perMinute, perMinute, limits.timeScale, limits.jitterAllowanceMs) };
}

/**
 * Methods that post into a conversation: Slack allows about one message per second per channel, short bursts aside.
 * files.completeUploadExternal shares files as a message, so it takes from the same bucket (its own limit is Tier 4).
 */
export const CHANNEL_PACED_METHODS: ReadonlySet<string> = new Set(['chat.postMessage', 'chat.postEphemeral', 'chat.meMessage', 'files.completeUploadExternal']);

/** The per-channel posting bucket (60 a minute, a burst of 3): Slack's "1 message per second per channel". */
export function channelPostBucket(limits: SlackLimits, workspace: string, channel: string): PacedBucket {
  return { key: `slack:${workspace}:channel:${channel}:post`, spec: perMinuteBucket(60, 3, limits.timeScale, 0) };
}

/** The SCIM buckets a call draws from: the org-wide set (reads or writes), then the endpoint's own when it has one. */
export function scimBuckets(limits: SlackLimits, workspace: string, operation: ScimOperation): PacedBucket[] {
  const s = limits.scim;
  const bucket = (perMinute: number, burst: number) => perMinuteBucket(perMinute, burst, limits.timeScale, limits.jitterAllowanceMs);
  const prefix = `slack:${workspace}:scim`;
  switch (operation) {
    case 'list':
      return [{ key: `${prefix}:reads`, spec: bucket(s.readsPerMinute, s.readsPerMinute) }];
    case 'get':
      return [
        { key: `${prefix}:reads`, spec: bucket(s.readsPerMinute, s.readsPerMinute) },
        { key: `${prefix}:get-user`, spec: bucket(s.userReadsPerMinute, s.userReadsPerMinute) },
      ];
    case 'create':
    case 'update':
    case 'delete':
      return [
        { key: `${prefix}:writes`, spec: bucket(s.writesPerMinute, s.writeBurst) },
        { key: `${prefix}:${operation}-user`, spec: bucket(s.userWritesPerMinute, s.userWriteBurst) },
      ];
  }
}

/**
 * How long to wait after a 429. Slack's Retry-After is in whole seconds; against a time-compressed sandbox
 * (timeScale < 1) it is scaled like every other window. A 429 right after honouring one means someone else drains
 * the same limit, so each consecutive one doubles the wait (capped at a scaled minute).
 */
export function retryAfterWaitMs(retryAfterSeconds: number | undefined, timeScale: number, consecutive = 1): number {
  const seconds = retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0 ? retryAfterSeconds : 1;
  const scale = timeScale < 1 ? timeScale : 1;
  const base = Math.max(1, seconds * 1000 * scale);
  const cap = Math.max(base, 60_000 * scale);
  return Math.round(Math.min(cap, base * 2 ** Math.max(0, consecutive - 1)));
}

/** Parses an HTTP Retry-After value (delta seconds or an HTTP date) into seconds; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

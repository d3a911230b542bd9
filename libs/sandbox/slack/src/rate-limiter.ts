/** Slack's published tiers, in calls per minute. */
export const TIER_PER_MINUTE = { 1: 1, 2: 20, 3: 50, 4: 100 } as const;
export type Tier = keyof typeof TIER_PER_MINUTE;

export interface LimitDecision {
  readonly allowed: boolean;
  /** Scaled wait before the next call can succeed, in ms (0 when allowed). */
  readonly retryAfterMs: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token buckets: `capacity` calls at once, refilled evenly over `windowMs`. That gives Slack's "N per minute, short
 * bursts tolerated" behaviour, and an exact Retry-After (time until one whole token is back).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  take(key: string, capacity: number, windowMs: number): LimitDecision {
    const now = this.now();
    const refillPerMs = capacity / windowMs;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: capacity, updatedAt: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(capacity, bucket.tokens + (now - bucket.updatedAt) * refillPerMs);
      bucket.updatedAt = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, retryAfterMs: 0 };
    }
    return { allowed: false, retryAfterMs: Math.ceil((1 - bucket.tokens) / refillPerMs) };
  }

  /** Returns a token taken by a call that another limit then refused, so only calls that ran are counted. */
  giveBack(key: string): void {
    const bucket = this.buckets.get(key);
    if (bucket) bucket.tokens += 1;
  }

  clear(): void {
    this.buckets.clear();
  }
}

import type { RateLimiter, TokenBucketSpec } from '@parley/cache';
import type { PacingClaim } from './classify';
import { bucketSpec, freshnessMs, type GraphLimitName, type PacingSettings } from './limits';

/** Rounds of re-taking tokens that went stale while another bucket was waited for, before sending anyway. */
const MAX_FRESHNESS_ROUNDS = 3;

/**
 * Takes the tokens a request needs from the shared buckets (Redis in distributed mode, so every replica draws from
 * the same ones) before it goes out. Pacing up front is what keeps 429s near zero; the retry loop only mops up.
 */
export class GraphPacer {
  private readonly specs: Record<GraphLimitName, TokenBucketSpec>;
  private readonly freshness: Record<GraphLimitName, number>;

  constructor(
    private readonly limiter: RateLimiter,
    readonly settings: PacingSettings,
    private readonly now: () => number = () => performance.now(),
  ) {
    const { limits, timeScale, margin } = settings;
    const names = Object.keys(limits) as GraphLimitName[];
    this.specs = Object.fromEntries(names.map((n) => [n, bucketSpec(limits[n], timeScale, margin)])) as Record<GraphLimitName, TokenBucketSpec>;
    this.freshness = Object.fromEntries(names.map((n) => [n, freshnessMs(limits[n], timeScale, margin)])) as Record<GraphLimitName, number>;
  }

  spec(limit: GraphLimitName): TokenBucketSpec {
    return this.specs[limit];
  }

  /** How many requests of one batch may use this limit's bucket at once. */
  burst(limit: GraphLimitName): number {
    return this.specs[limit].capacity;
  }

  /**
   * Waits for one token of every claim (claims on the same bucket take one token each). A token taken while the
   * request still waits for another bucket ages; one older than its limit's slack when the last arrives is taken
   * again, so what Graph sees stays within the window. Returns the time waited in ms.
   */
  async acquire(claims: readonly PacingClaim[], signal?: AbortSignal): Promise<number> {
    if (claims.length === 0) return 0;
    const started = this.now();
    let pending = [...claims];
    const takenAt = new Map<PacingClaim, number>();
    for (let round = 0; pending.length > 0; round++) {
      await Promise.all(
        pending.map(async (claim) => {
          await this.limiter.take(claim.bucket, this.specs[claim.limit], 1, signal);
          takenAt.set(claim, this.now());
        }),
      );
      if (claims.length === 1 || round >= MAX_FRESHNESS_ROUNDS) break;
      const last = Math.max(...takenAt.values());
      pending = claims.filter((claim) => last - (takenAt.get(claim) ?? last) > this.freshness[claim.limit]);
    }
    return this.now() - started;
  }
}

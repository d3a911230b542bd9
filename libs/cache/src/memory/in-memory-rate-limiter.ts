import type { RateLimiter, TokenBucketSpec, TokenGrant } from '../ports/rate-limiter';
import { systemClock, type Clock } from '../shared/clock';
import { takeWhenGranted } from '../shared/take-when-granted';
import { takeFromBucket, type BucketState } from '../shared/token-bucket';
import { assertTake } from '../shared/validate';
import { ExpiringMap } from './expiring-map';

/** RateLimiter for the embedded single-process mode: the buckets live in this process. */
export class InMemoryRateLimiter implements RateLimiter {
  readonly #clock: Clock;
  readonly #buckets: ExpiringMap<string, BucketState>;

  constructor(options: { clock?: Clock } = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#buckets = new ExpiringMap(() => this.#clock.now());
  }

  async tryTake(bucket: string, spec: TokenBucketSpec, tokens = 1): Promise<TokenGrant> {
    assertTake(bucket, spec, tokens);
    // Synchronous from read to write, so concurrent callers in this process cannot interleave.
    const step = takeFromBucket(this.#buckets.get(bucket), this.#clock.now(), spec, tokens);
    this.#buckets.set(bucket, step.state, step.idleTtlMs);
    return step.grant;
  }

  async take(bucket: string, spec: TokenBucketSpec, tokens = 1, signal?: AbortSignal): Promise<void> {
    assertTake(bucket, spec, tokens);
    await takeWhenGranted((b, s, t) => this.tryTake(b, s, t), (ms, s) => this.#clock.sleep(ms, s), bucket, spec, tokens, signal);
  }
}

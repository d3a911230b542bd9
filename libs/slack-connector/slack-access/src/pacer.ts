import type { RateLimiter } from '@parley/cache';
import type { Logger, PlatformMetrics } from '@parley/observability';
import { RateLimitSignal, SlackRateLimitedError } from './errors';
import { channelPostBucket, CHANNEL_PACED_METHODS, retryAfterWaitMs, scimBuckets, tierOf, webApiBucket, type PacedBucket, type ScimOperation, type SlackLimits } from './limits';

export type Sleep = (ms: number) => Promise<void>;
const defaultSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Every call to Slack goes through here: it first takes a token from the shared bucket(s) of that call (so all
 * replicas together stay under the limit), then, if Slack still answers 429, waits the Retry-After it names (scaled
 * with the limits' time scale) and tries again, at most `rateLimitRetries` times before failing as transient.
 */
export class SlackPacer {
  private rateLimitedAnswers = 0;

  constructor(
    private readonly limiter: RateLimiter,
    readonly limits: SlackLimits,
    private readonly logger: Logger,
    private readonly sleep: Sleep = defaultSleep,
    /** Latency, 429s and pacing waits on /metrics, labelled by the limit (tier or SCIM operation), never the workspace. */
    private readonly metrics?: PlatformMetrics,
  ) {}

  /** 429 answers seen by this pacer since it was made (for logs, tests and benchmarks). */
  get rateLimited(): number {
    return this.rateLimitedAnswers;
  }

  /** A Web API call; one that posts into `channel` also takes from that channel's bucket (about 1 a second). */
  webApi<T>(workspace: string, method: string, call: () => Promise<T>, channel?: string): Promise<T> {
    const buckets = [webApiBucket(this.limits, workspace, method)];
    const perChannel = channel !== undefined && CHANNEL_PACED_METHODS.has(method);
    if (perChannel) buckets.push(channelPostBucket(this.limits, workspace, channel));
    return this.run(buckets, method, perChannel ? 'per-channel' : `tier${tierOf(method)}`, call);
  }

  scim<T>(workspace: string, operation: ScimOperation, call: () => Promise<T>): Promise<T> {
    return this.run(scimBuckets(this.limits, workspace, operation), `SCIM ${operation}`, `scim-${operation}`, call);
  }

  private async run<T>(buckets: readonly PacedBucket[], what: string, limit: string, call: () => Promise<T>): Promise<T> {
    for (let consecutive = 0; ; ) {
      const paced = performance.now();
      for (const bucket of buckets) await this.limiter.take(bucket.key, bucket.spec);
      const sent = performance.now();
      this.metrics?.pacingWait.observe({ platform: 'slack', limit }, (sent - paced) / 1000);
      try {
        const result = await call();
        this.metrics?.observe('slack', limit, 'ok', (performance.now() - sent) / 1000);
        return result;
      } catch (error) {
        const rateLimited = error instanceof RateLimitSignal;
        this.metrics?.observe('slack', limit, rateLimited ? 'throttled' : 'error', (performance.now() - sent) / 1000);
        if (!rateLimited) throw error;
        this.rateLimitedAnswers++;
        consecutive++;
        if (consecutive > this.limits.rateLimitRetries) throw new SlackRateLimitedError(what, error.retryAfterSeconds, consecutive);
        const waitMs = retryAfterWaitMs(error.retryAfterSeconds, this.limits.timeScale, consecutive);
        this.logger.warn({ call: what, retryAfterSeconds: error.retryAfterSeconds, waitMs, consecutive }, 'Slack answered 429, waiting as told');
        await this.sleep(waitMs);
      }
    }
  }
}

import type { TokenBucketSpec, TokenGrant } from '../ports/rate-limiter';

type TryTake = (bucket: string, spec: TokenBucketSpec, tokens: number) => Promise<TokenGrant>;
type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** RateLimiter.take on top of tryTake: sleep for retryAfterMs, try again, until granted or aborted. */
export async function takeWhenGranted(
  tryTake: TryTake,
  sleep: Sleep,
  bucket: string,
  spec: TokenBucketSpec,
  tokens: number,
  signal?: AbortSignal,
): Promise<void> {
  for (;;) {
    signal?.throwIfAborted();
    const grant = await tryTake(bucket, spec, tokens);
    if (grant.granted) return;
    await sleep(grant.retryAfterMs, signal);
  }
}

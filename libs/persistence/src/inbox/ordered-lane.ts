/** How long an inbound event that could not be handled waits before it is claimed again, and every later one of its lane with it. */
export const RETRY_SECONDS = 5;

/**
 * Handles one lane (one conversation's stored inbound events: Slack's Events API deliveries, Graph's change
 * notifications) in the order the platform wrote them. When one must be tried again, it and every later one are held
 * back for the same time, so that none overtakes it when they are claimed again: the relay receives a conversation's
 * messages in the order they were written (relay.md, Order).
 *
 * @param retrySeconds how long to hold the lane back after `failed` (a backoff that grows with its attempts, say).
 */
export async function handleLane<E>(
  lane: readonly E[],
  orderOf: (event: E) => number,
  handle: (event: E) => Promise<boolean>,
  holdBack: (event: E, seconds: number) => Promise<void>,
  retrySeconds: (failed: E) => number = () => RETRY_SECONDS,
): Promise<void> {
  const ordered = [...lane].sort((a, b) => orderOf(a) - orderOf(b));
  for (const [index, event] of ordered.entries()) {
    if (await handle(event)) continue;
    const seconds = retrySeconds(event);
    for (const waiting of ordered.slice(index)) await holdBack(waiting, seconds).catch(() => undefined);
    return;
  }
}

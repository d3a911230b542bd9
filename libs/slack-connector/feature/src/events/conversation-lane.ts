/** How long an event that could not be handled waits before it is claimed again, and every later one of its conversation with it. */
export const RETRY_SECONDS = 5;

/**
 * Handles one conversation's claimed events in the order Slack wrote them (`ts`). When one must be tried again, it
 * and every later one are held back for the same time, so that none overtakes it when they are claimed again: the
 * relay receives a conversation's messages in the order they were written (relay.md, Order).
 */
export async function handleLane<E>(
  lane: readonly E[],
  tsOf: (event: E) => number,
  handle: (event: E) => Promise<boolean>,
  holdBack: (event: E, seconds: number) => Promise<void>,
): Promise<void> {
  const ordered = [...lane].sort((a, b) => tsOf(a) - tsOf(b));
  for (const [index, event] of ordered.entries()) {
    if (await handle(event)) continue;
    for (const waiting of ordered.slice(index)) await holdBack(waiting, RETRY_SECONDS).catch(() => undefined);
    return;
  }
}

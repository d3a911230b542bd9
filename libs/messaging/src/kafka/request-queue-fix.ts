/**
 * kafkajs 2.2.4 (its last release) keeps a timer firing about every millisecond on each broker connection for as
 * long as the connection is open: RequestQueue.scheduleCheckPendingRequests schedules the next check even when no
 * request waits, with a negative delay while nothing is throttled (kafkajs issues #1556, #1704; fix proposed in
 * #1667, never released). Idle, that loop was half of every service's JavaScript time (ADR 0056). This replaces the
 * method with the one the fix proposes: a check is scheduled only while a request waits, at the throttle's end or, with
 * no throttle, after CHECK_PENDING_REQUESTS_INTERVAL (10 ms, as kafkajs). A request waiting for an in-flight slot is
 * sent when one frees up (fulfillRequest and timeouts check the queue), as before.
 */
interface RequestQueue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** The kafkajs version whose request queue this fix was written against. */
export const FIXED_KAFKAJS_VERSION = '2.2.4';
const CHECK_PENDING_REQUESTS_INTERVAL = 10;
let applied: boolean | undefined;

/** Applies the fix once per process; false (and nothing changed) for a kafkajs other than FIXED_KAFKAJS_VERSION. */
export function fixKafkajsRequestQueue(): boolean {
  if (applied !== undefined) return applied;
  const version = (require('kafkajs/package.json') as { version: string }).version;
  if (version !== FIXED_KAFKAJS_VERSION) return (applied = false);
  const queue = require('kafkajs/src/network/requestQueue') as { prototype: RequestQueue };
  queue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueue): void {
    if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
    const untilUnthrottled = this.throttledUntil - Date.now();
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL);
  };
  return (applied = true);
}

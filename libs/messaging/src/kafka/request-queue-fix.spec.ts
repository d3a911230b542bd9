import { fixKafkajsRequestQueue } from './request-queue-fix';

// The kafkajs internals the fix replaces a method of (request-queue-fix.ts).
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: Record<string, unknown>) => {
  pending: { send(): void; expectResponse: boolean; correlationId: number }[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  destroy(): void;
};
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const queue = () => new RequestQueue({ maxInFlightRequests: null, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'test', broker: 'localhost:1', logger: quiet });

describe("kafkajs 2.2.4's request queue (ADR 0056)", () => {
  it('applies to the kafkajs this workspace installs', () => {
    expect(fixKafkajsRequestQueue()).toBe(true);
  });

  it('schedules no check while no request waits: no timer spins on an idle connection', () => {
    fixKafkajsRequestQueue();
    const q = queue();
    q.checkPendingRequests();
    expect(q.throttleCheckTimeoutId).toBeNull();
  });

  it('sends a request held by the broker\'s throttle once the throttle ends', async () => {
    fixKafkajsRequestQueue();
    const q = queue();
    let sent = 0;
    q.throttledUntil = Date.now() + 60;
    q.pending.push({ send: () => sent++, expectResponse: true, correlationId: 1 });
    q.checkPendingRequests();
    expect(sent).toBe(0);
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(sent).toBe(1);
    expect(q.pending).toHaveLength(0);
    expect(q.throttleCheckTimeoutId).toBeNull();
  });
});

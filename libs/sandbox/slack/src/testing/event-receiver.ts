import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly json: Record<string, unknown>;
  readonly at: number;
}

/** How the receiver answers one request: status, optional delay and headers. Default 200 at once. */
export type ReceiverBehaviour = (request: ReceivedRequest, index: number) => { status?: number; delayMs?: number; headers?: Record<string, string> } | void;

export interface EventReceiver {
  readonly url: string;
  readonly received: ReceivedRequest[];
  /** event_callback requests only. */
  callbacks(): ReceivedRequest[];
  setBehaviour(behaviour: ReceiverBehaviour): void;
  /** Resolves once `count` event_callback requests have arrived (rejects after timeoutMs). */
  waitForCallbacks(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/**
 * A bare Events API receiver for tests: echoes url_verification challenges, records everything, and answers
 * callbacks as told (errors, slowness) so the sandbox's retries can be observed.
 */
export async function startEventReceiver(): Promise<EventReceiver> {
  const received: ReceivedRequest[] = [];
  let behaviour: ReceiverBehaviour = () => undefined;
  let waiters: Array<() => void> = [];
  const callbacks = () => received.filter((r) => r.json['type'] === 'event_callback');
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(body) as Record<string, unknown>;
      } catch {
        // recorded as-is
      }
      const entry: ReceivedRequest = { headers: request.headers, body, json, at: Date.now() };
      received.push(entry);
      if (json['type'] === 'url_verification') {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ challenge: json['challenge'] }));
        return;
      }
      const answer = behaviour(entry, callbacks().length - 1) ?? {};
      setTimeout(() => {
        response.writeHead(answer.status ?? 200, answer.headers ?? {}).end();
      }, answer.delayMs ?? 0);
      const current = waiters;
      waiters = [];
      for (const w of current) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/slack/events`,
    received,
    callbacks,
    setBehaviour: (b) => (behaviour = b),
    waitForCallbacks: (count, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`expected ${count} callbacks, got ${callbacks().length}`)), timeoutMs);
        const check = () => {
          if (callbacks().length >= count) {
            clearTimeout(deadline);
            resolve(callbacks());
          } else waiters.push(check);
        };
        check();
      }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

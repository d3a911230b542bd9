import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Stands where the gateway's public paths (or the Ingress) stand: a port known before the connector starts, so the
 * connector's subscriptions can name it, forwarding /teams/* to wherever the connector ended up listening.
 */
export class PublicProxy {
  private server?: Server;
  url = '';
  target = '';

  async start(): Promise<this> {
    this.server = createServer((incoming, outgoing) => {
      if (!this.target || !(incoming.url ?? '').startsWith('/teams/')) {
        outgoing.writeHead(404).end();
        return;
      }
      const forward = httpRequest(`${this.target}${incoming.url}`, { method: incoming.method, headers: incoming.headers }, (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      });
      forward.on('error', () => outgoing.writeHead(502).end());
      incoming.pipe(forward);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

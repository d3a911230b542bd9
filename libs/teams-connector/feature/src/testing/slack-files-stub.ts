import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { internalRoutes, matchRoute } from '@parley/internal-api';

const route = internalRoutes['slack-connector'].fileContent;

/**
 * A stand-in for slack-connector's `fileContent` route (ADR 0039), for teams-connector's delivery tests: it serves the
 * bytes of the files a test put here, by ref, in chunks (as a stream arrives), with the internal bearer checked; an
 * unknown ref is the route's 404 problem.
 */
export class SlackFilesStub {
  private server?: Server;
  private readonly files = new Map<string, { bytes: Buffer; contentType: string }>();
  readonly reads: { orgId: string; connectionId: string; ref: string }[] = [];
  url = '';

  constructor(private readonly internalToken: string) {}

  put(ref: string, bytes: Buffer, contentType: string): void {
    this.files.set(ref, { bytes, contentType });
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://stub');
      const params = matchRoute(route, request.method, url.pathname);
      if (!params) return void response.writeHead(404).end();
      if (request.headers.authorization !== `Bearer ${this.internalToken}`) return void response.writeHead(401).end();
      const { orgId, connectionId, ref } = params as { orgId: string; connectionId: string; ref: string };
      this.reads.push({ orgId, connectionId, ref });
      const file = this.files.get(ref);
      if (!file) {
        response.writeHead(404, { 'content-type': 'application/problem+json' });
        return void response.end(JSON.stringify({ status: 404, title: 'Not Found', detail: 'No such file.' }));
      }
      response.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.bytes.length) });
      const chunk = 64 * 1024;
      for (let at = 0; at < file.bytes.length; at += chunk) response.write(file.bytes.subarray(at, at + chunk));
      response.end();
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

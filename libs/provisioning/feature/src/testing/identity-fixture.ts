import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectionView, internalRoutes, matchRoute, personView, type ConnectionView, type PersonView } from '@parley/internal-api';

/**
 * A small real HTTP server answering identity's internal routes that provisioning calls, from fixtures. Everything
 * served is parsed with the shared schemas first, so the fixtures are answers identity could really give.
 * Pagination is by offset in an opaque cursor; any page can be made to fail to stand in for an identity outage.
 */
export class IdentityFixture {
  private readonly connections = new Map<string, ConnectionView[]>();
  private readonly people = new Map<string, PersonView[]>();
  private server?: Server;
  /** Every people request as received (limit and cursor), for assertions. */
  readonly peopleRequests: { orgId: string; limit: string | null; cursor: string | null }[] = [];
  /** Every resolve request as received (platform and user ids), for assertions. */
  readonly resolveRequests: { orgId: string; platform: string; platformUserIds: string[] }[] = [];
  private failure?: { offset: number; times: number };

  constructor(private readonly token: string) {}

  setConnections(orgId: string, connections: readonly unknown[]): void {
    this.connections.set(orgId, connections.map((c) => connectionView.parse(c)));
  }

  setPeople(orgId: string, people: readonly unknown[]): void {
    this.people.set(orgId, people.map((p) => personView.parse(p)));
  }

  /** The next `times` people requests at this offset answer 503, as identity would while restarting. */
  failPeople(offset: number, times = Number.POSITIVE_INFINITY): void {
    this.failure = { offset, times };
  }

  healPeople(): void {
    this.failure = undefined;
  }

  async start(): Promise<string> {
    this.server = createServer((request, response) => this.handle(request, response));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://identity');
    if (request.headers.authorization !== `Bearer ${this.token}`) return problem(response, 401, 'missing or wrong internal token');
    const listing = matchRoute(internalRoutes.identity.connections, request.method, url.pathname);
    if (listing) return json(response, 200, { items: this.connections.get(listing.orgId) ?? [] });
    const resolving = matchRoute(internalRoutes.identity.resolvePeople, request.method, url.pathname);
    if (resolving) return void this.resolve(resolving.orgId, request, response);
    const people = matchRoute(internalRoutes.identity.people, request.method, url.pathname);
    if (!people) return problem(response, 404, `no route ${request.method} ${url.pathname}`);
    const { orgId } = people;

    this.peopleRequests.push({ orgId, limit: url.searchParams.get('limit'), cursor: url.searchParams.get('cursor') });
    const query = internalRoutes.identity.people.query.safeParse(Object.fromEntries(url.searchParams));
    if (!query.success) return problem(response, 400, `bad query: ${query.error.issues.map((i) => i.path.join('.')).join(', ')}`);
    const offset = query.data.cursor === undefined ? 0 : Number(query.data.cursor);
    if (!Number.isInteger(offset) || offset < 0) return problem(response, 400, 'bad cursor');
    if (this.failure && this.failure.offset === offset && this.failure.times > 0) {
      this.failure.times--;
      return problem(response, 503, 'identity is restarting');
    }
    const all = this.people.get(orgId) ?? [];
    const items = all.slice(offset, offset + query.data.limit);
    const next = offset + items.length;
    return json(response, 200, { items, nextCursor: next < all.length ? String(next) : null });
  }

  /** Who the user ids are, as identity answers: one item per id of a person in the org, any kind of account. */
  private resolve(orgId: string, request: IncomingMessage, response: ServerResponse): void {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', () => {
      const body = internalRoutes.identity.resolvePeople.body.safeParse(JSON.parse(text || '{}'));
      if (!body.success) return problem(response, 400, `bad body: ${body.error.issues.map((i) => i.path.join('.')).join(', ')}`);
      const { platform, platformUserIds } = body.data;
      this.resolveRequests.push({ orgId, platform, platformUserIds });
      const people = this.people.get(orgId) ?? [];
      const items = platformUserIds.flatMap((id) => {
        const person = people.find((p) => p.accounts.some((a) => a.platform === platform && a.platformUserId === id));
        return person ? [{ platformUserId: id, person }] : [];
      });
      json(response, 200, { items });
    });
  }
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function problem(response: ServerResponse, status: number, detail: string): void {
  response.writeHead(status, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ type: 'about:blank', status, detail }));
}

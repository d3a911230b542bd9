import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Secret } from '@parley/config';
import { internalRoutes } from '@parley/internal-api';
import { withLogContext } from '@parley/observability';
import { InternalApiAccess } from './internal-api';

const listConnections = internalRoutes.identity.connections;
const ORG = 'org_3f9a2c1b7d';

// A callee adopts these headers into its log context (request-context.spec.ts); here: every caller sends them.
describe('internal calls carry the ids of the work in hand', () => {
  const received: IncomingHttpHeaders[] = [];
  let server: Server;
  let access: InternalApiAccess;

  beforeAll(async () => {
    server = createServer((request, response) => {
      received.push(request.headers);
      response.setHeader('content-type', 'application/json');
      response.end('{"items":[]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    access = new InternalApiAccess(new Secret('t'.repeat(40)), { identity: `http://127.0.0.1:${(server.address() as { port: number }).port}` });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => received.splice(0));

  it('sends the request and correlation ids of an HTTP request being handled', async () => {
    await withLogContext({ requestId: 'req-1', correlationId: 'req-1' }, () => access.send(listConnections, { params: { orgId: ORG } }));
    expect(received[0]).toMatchObject({ 'x-request-id': 'req-1', 'x-correlation-id': 'req-1', authorization: `Bearer ${'t'.repeat(40)}` });
  });

  it('sends only the correlation id while handling an event, and nothing outside any work', async () => {
    await withLogContext({ correlationId: 'sync-started-by-req-9', eventId: 'e-1', topic: 't' }, () => access.send(listConnections, { params: { orgId: ORG } }));
    await access.send(listConnections, { params: { orgId: ORG } });
    expect(received[0]?.['x-correlation-id']).toBe('sync-started-by-req-9');
    expect(received[0]).not.toHaveProperty('x-request-id');
    expect(received[1]).not.toHaveProperty('x-correlation-id');
    expect(received[1]).not.toHaveProperty('x-request-id');
  });

  it('recognises a peer by the internal bearer only', () => {
    expect(access.isPeer(`Bearer ${'t'.repeat(40)}`)).toBe(true);
    expect(access.isPeer(`Bearer ${'u'.repeat(40)}`)).toBe(false);
    expect(access.isPeer('t'.repeat(40))).toBe(false);
    expect(access.isPeer(undefined)).toBe(false);
  });
});

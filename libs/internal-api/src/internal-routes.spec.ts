import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { allInternalRoutes, defineRoute, InternalApiClient, InternalApiError, internalRoutes, routeKey, routePath, routeQueryString, type PersonView, type RouteResponse } from './index';

const ORG = 'org_3f9a2c1b7d';
const PERSON = '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9';

describe('the table of internal routes', () => {
  it('has one route per service, method and path, each under /internal/ with params naming exactly its template', () => {
    const routes = allInternalRoutes();
    const keys = routes.map((r) => `${r.service} ${routeKey(r)}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const route of routes) {
      expect(route.path).toMatch(/^\/internal\//);
      const inPath = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
      expect(Object.keys((route.params as z.ZodObject).shape).sort()).toEqual(inPath.sort());
    }
  });

  it('refuses a definition whose params do not name the template', () => {
    const orgOnly = z.object({ orgId: z.string() });
    // @ts-expect-error the template has :personId, the params do not
    expect(() => defineRoute({ service: 'identity', method: 'GET', path: '/internal/orgs/:orgId/people/:personId', params: orgOnly, response: null })).toThrow(
      /params must name exactly orgId, personId/,
    );
    const extra = z.object({ orgId: z.string(), personId: z.string() });
    // @ts-expect-error personId is not in the template
    expect(() => defineRoute({ service: 'identity', method: 'GET', path: '/internal/orgs/:orgId', params: extra, response: null })).toThrow(/params must name exactly orgId/);
  });

  it('answers with the status the callee has always used', () => {
    expect(internalRoutes.identity.createConnection.status).toBe(201);
    expect(internalRoutes.identity.deleteConnection.status).toBe(204);
    expect(internalRoutes.identity.token.status).toBe(200);
    expect(internalRoutes.provisioning.startUserSync.status).toBe(202);
    expect(internalRoutes.identity.person.status).toBe(200);
  });
});

describe('building a path', () => {
  it('encodes each param within its segment', () => {
    expect(routePath(internalRoutes.identity.person, { orgId: ORG, personId: 'a/b?c#d e' })).toBe(`/internal/orgs/${ORG}/people/a%2Fb%3Fc%23d%20e`);
    expect(routePath(internalRoutes.identity.connectionSecrets, { orgId: ORG, connectionId: '..' })).toBe(`/internal/orgs/${ORG}/connections/../secrets`);
    expect(routePath(internalRoutes.identity.createOrganization, {})).toBe('/internal/orgs');
  });

  it('does not compile without a param, and throws if one is missing at run time', () => {
    // @ts-expect-error personId is missing
    expect(() => routePath(internalRoutes.identity.person, { orgId: ORG })).toThrow(/personId is missing/);
    // @ts-expect-error an empty id would name the collection instead
    expect(() => routePath(internalRoutes.identity.person, { orgId: ORG, personId: undefined })).toThrow(/personId is missing/);
    expect(() => routePath(internalRoutes.identity.person, { orgId: ORG, personId: '' })).toThrow(/personId is missing/);
  });

  it('writes the set query values in the order given', () => {
    expect(routeQueryString({ redirectUri: 'https://x.test/cb?a=1', platform: 'slack', cursor: undefined })).toBe('?redirectUri=https%3A%2F%2Fx.test%2Fcb%3Fa%3D1&platform=slack');
    expect(routeQueryString({})).toBe('');
    expect(routeQueryString(undefined)).toBe('');
  });
});

describe('InternalApiClient.send', () => {
  let server: Server;
  let client: InternalApiClient;
  const received: { method?: string; url?: string; body: string; headers: IncomingMessage['headers'] }[] = [];
  let reply: { status: number; body: unknown } = { status: 200, body: {} };

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ method: request.method, url: request.url, body: Buffer.concat(chunks).toString('utf8'), headers: request.headers });
        response.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body === undefined ? '' : JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new InternalApiClient({ baseUrl, token: () => 'the-token', contextHeaders: () => ({ 'x-request-id': 'req-1' }) });
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends the method, encoded path, query and body of the route, and parses the answer with its schema', async () => {
    const person: PersonView = {
      id: PERSON,
      orgId: ORG,
      email: 'ada@contoso.test',
      displayName: 'Ada',
      primaryPlatform: 'slack',
      status: 'active',
      accounts: [],
      createdAt: '2026-12-01T10:00:00.000Z',
      updatedAt: '2026-12-01T10:00:00.000Z',
    };
    reply = { status: 200, body: person };
    const updated: RouteResponse<typeof internalRoutes.identity.updatePerson> = await client.send(internalRoutes.identity.updatePerson, {
      params: { orgId: ORG, personId: PERSON },
      body: { primaryPlatform: 'teams' },
    });
    expect(updated).toEqual(person);
    expect(received.at(-1)).toMatchObject({ method: 'PATCH', url: `/internal/orgs/${ORG}/people/${PERSON}`, body: '{"primaryPlatform":"teams"}' });
    expect(received.at(-1)?.headers).toMatchObject({ authorization: 'Bearer the-token', 'x-request-id': 'req-1', 'content-type': 'application/json' });

    reply = { status: 200, body: { items: [], nextCursor: null } };
    await client.send(internalRoutes.identity.people, { params: { orgId: ORG }, query: { status: 'needs_attention', limit: 500 } });
    expect(received.at(-1)).toMatchObject({ method: 'GET', url: `/internal/orgs/${ORG}/people?status=needs_attention&limit=500`, body: '' });
  });

  it('answers undefined for a route without a response body, and an InternalApiError for a problem', async () => {
    reply = { status: 204, body: undefined };
    const nothing: undefined = await client.send(internalRoutes.identity.deleteConnection, { params: { orgId: ORG, connectionId: 'c-1' } });
    expect(nothing).toBeUndefined();
    reply = { status: 404, body: { title: 'Not Found', detail: 'No such person.' } };
    const refused = await client.send(internalRoutes.identity.person, { params: { orgId: ORG, personId: PERSON } }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InternalApiError);
    expect(refused).toMatchObject({ status: 404, target: expect.stringMatching(new RegExp(`^GET http://127\\.0\\.0\\.1:\\d+/internal/orgs/${ORG}/people/${PERSON}$`)) });
  });

  it('fails loudly when the callee answers outside the schema', async () => {
    reply = { status: 200, body: { id: 'not-an-org' } };
    await expect(client.send(internalRoutes.identity.organization, { params: { orgId: ORG } })).rejects.toThrow();
  });

  it('does not compile with a body of another route, without its params, or with a body where none is taken', async () => {
    reply = { status: 200, body: { accessToken: 'x', expiresAt: '2026-12-01T10:00:00.000Z' } };
    // @ts-expect-error a token request is not a guest-password request
    await client.send(internalRoutes.identity.token, { params: { orgId: ORG }, body: { connectionId: PERSON, homeUserPrincipalName: 'a@b.c' } });
    reply = { status: 200, body: { id: ORG, name: 'Contoso', createdAt: '2026-12-01T10:00:00.000Z' } };
    // @ts-expect-error the org id is missing
    await expect(client.send(internalRoutes.identity.organization, {})).rejects.toThrow(/orgId is missing/);
    // @ts-expect-error a GET takes no body
    await expect(client.send(internalRoutes.identity.organization, { params: { orgId: ORG }, body: { name: 'x' } })).rejects.toThrow(/cannot have body/);
    const org = await client.send(internalRoutes.identity.organization, { params: { orgId: ORG } });
    // @ts-expect-error an organization has no email
    expect(org.email).toBeUndefined();
  });
});

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import pino from 'pino';
import { createInMemoryCache } from '@parley/cache';
import { Secret } from '@parley/config';
import { DeadLetterV1 } from '@parley/contracts';
import { InProcessBroker } from '@parley/messaging';
import { ServiceMetrics } from '@parley/observability';
import { createEmbeddedInfrastructure, InternalApiAccess, services, startService, type RunningService, type ServiceInfrastructure } from '@parley/service-runtime';
import { integrationEnv, uniqueSuffix } from '@parley/testing';
import { createGatewayService } from './index';
import { committedOpenApiPath } from './openapi/write-openapi';

/** A database of its own on the shared PostgreSQL server, dropped afterwards. */
async function freshDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `parley_gw_${uniqueSuffix()}`;
  const run = async (sql: string) => {
    const client = new Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

// The gateway in-process on real PostgreSQL (the in-process bus and cache stand in for Kafka and Redis), over real HTTP.
describe('gateway admin API', () => {
  const operatorKey = randomBytes(32).toString('base64url');
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let gateway: RunningService;
  let infra: ServiceInfrastructure;

  const call = (path: string, init: { method?: string; key?: string; body?: string; contentType?: string } = {}) =>
    fetch(`${gateway.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.key ? { authorization: `Bearer ${init.key}` } : {}),
        ...(init.body !== undefined ? { 'content-type': init.contentType ?? 'application/json' } : {}),
      },
      body: init.body,
    });
  const createOrg = async (name: string) => {
    const response = await call('/v1/orgs', { method: 'POST', key: operatorKey, body: JSON.stringify({ name }) });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; name: string; adminApiKey: string };
  };
  const expectProblem = async (response: Response, status: number) => {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String), instance: expect.any(String) });
    return body;
  };

  beforeAll(async () => {
    database = await freshDatabase(integrationEnv().databaseUrl);
    const definition = createGatewayService({ operatorApiKey: new Secret(operatorKey) });
    infra = await createEmbeddedInfrastructure({
      definition,
      schema: services.gateway.schema,
      logger: pino({ level: 'silent' }),
      metrics: new ServiceMetrics('gateway', { defaultMetrics: false }),
      broker: new InProcessBroker(4),
      databaseUrl: database.url,
      cache: createInMemoryCache(),
    });
    gateway = await startService(definition, infra, { host: '127.0.0.1', port: 0 }, { internalApi: new InternalApiAccess(new Secret('internal-token-for-tests-0123456789abcdef'), {}) });
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await database?.drop();
  });

  it('answers 401 problems without a key or with a wrong one', async () => {
    const none = await call('/v1/orgs', { method: 'POST', body: JSON.stringify({ name: 'Acme' }) });
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    await expectProblem(none, 401);
    await expectProblem(await call('/v1/orgs/org_AAAAAAAAAAAAAAAA', { key: 'pk_live_' + 'x'.repeat(43) }), 401);
    await expectProblem(await call('/v1/dead-letters', { key: `${operatorKey}x` }), 401);
  });

  it('lets the operator create orgs; each org key sees its own org and gets 404 for another', async () => {
    const a = await createOrg('Acme');
    const b = await createOrg('Globex');
    expect(a.id).toMatch(/^org_[A-Za-z0-9]{16}$/);
    expect(a).toMatchObject({ name: 'Acme', adminApiKey: expect.stringMatching(/^pk_live_[A-Za-z0-9_-]{43}$/) });
    expect(a.id).not.toBe(b.id);

    const own = await call(`/v1/orgs/${a.id}`, { key: a.adminApiKey });
    expect(own.status).toBe(200);
    const ownBody = (await own.json()) as Record<string, unknown>;
    expect(ownBody).toEqual({ id: a.id, name: 'Acme', createdAt: expect.any(String) });
    expect(JSON.stringify(ownBody)).not.toContain('pk_live_');

    const other = await expectProblem(await call(`/v1/orgs/${b.id}`, { key: a.adminApiKey }), 404);
    const missing = await expectProblem(await call('/v1/orgs/org_DoesNotExist0000', { key: a.adminApiKey }), 404);
    expect(other['detail']).toBe(missing['detail']);
    expect((await call(`/v1/orgs/${b.id}`, { key: operatorKey })).status).toBe(200);
    await expectProblem(await call('/v1/orgs/org_DoesNotExist0000', { key: operatorKey }), 404);

    // An org key cannot create orgs, nor read the operator's dead letters.
    await expectProblem(await call('/v1/orgs', { method: 'POST', key: a.adminApiKey, body: JSON.stringify({ name: 'x' }) }), 403);
    await expectProblem(await call('/v1/dead-letters', { key: b.adminApiKey }), 403);

    // Keys are stored hashed: the clear key is nowhere in the database.
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const dump = JSON.stringify((await client.query('SELECT * FROM gateway.api_keys')).rows);
      expect(dump).not.toContain(a.adminApiKey);
      expect(dump).not.toContain(a.adminApiKey.slice(16));
    } finally {
      await client.end();
    }
  });

  it('answers a malformed body with a 400 problem naming each bad field', async () => {
    const wrong = await expectProblem(await call('/v1/orgs', { method: 'POST', key: operatorKey, body: JSON.stringify({ name: 7, plan: 'gold' }) }), 400);
    expect(wrong['errors']).toEqual([
      { field: 'name', message: expect.any(String) },
      { field: 'plan', message: 'unknown field' },
    ]);
    const notJson = await expectProblem(await call('/v1/orgs', { method: 'POST', key: operatorKey, body: '{"name": "s3cr3t-value' }), 400);
    expect(JSON.stringify(notJson)).not.toContain('s3cr3t');
    const empty = await expectProblem(await call('/v1/orgs', { method: 'POST', key: operatorKey }), 400);
    expect(empty['errors']).toEqual([{ field: '(body)', message: expect.any(String) }]);
  });

  it('answers unknown routes with a 404 problem', async () => {
    const body = await expectProblem(await call('/nope?token=abc'), 404);
    expect(body).toMatchObject({ instance: '/nope', detail: 'No route matches GET /nope.' });
    await expectProblem(await call('/v1/nothing-here', { key: operatorKey }), 404);
    expect((await call('/healthz')).status).toBe(200);
  });

  it('lists dead letters for the operator, newest first, with cursor pagination', async () => {
    for (const reason of ['first', 'second', 'third']) {
      await infra.bus.publish('parley.messaging.message.dead-lettered.v1', { ...DeadLetterV1.example, reason });
    }
    type Page = { items: { reason: string; failure: string; originalTopic: string }[]; nextCursor: string | null };
    const list = async (query: string) => {
      const response = await call(`/v1/dead-letters${query}`, { key: operatorKey });
      expect(response.status).toBe(200);
      return (await response.json()) as Page;
    };
    const deadline = Date.now() + 20_000;
    while ((await list('')).items.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));

    const first = await list('?limit=2');
    expect(first.items.map((d) => d.reason)).toEqual(['third', 'second']);
    expect(first.items[0]).toMatchObject({ originalTopic: DeadLetterV1.example.originalTopic, failure: 'invalid-payload' });
    expect(first.items[0]).not.toHaveProperty('value');
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await list(`?limit=2&cursor=${first.nextCursor}`);
    expect(second).toEqual({ items: [expect.objectContaining({ reason: 'first' })], nextCursor: null });

    const bad = await expectProblem(await call('/v1/dead-letters?limit=0&color=red', { key: operatorKey }), 400);
    expect((bad['errors'] as { field: string }[]).map((e) => e.field).sort()).toEqual(['color', 'limit']);
    await expectProblem(await call('/v1/dead-letters?cursor=bm9wZQ', { key: operatorKey }), 400);
  });

  it('serves Swagger UI at /docs and the committed document at /docs/openapi.json', async () => {
    const ui = await call('/docs');
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
    for (const asset of ['/docs/swagger-ui-init.js', '/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js']) {
      expect({ asset, status: (await call(asset)).status }).toEqual({ asset, status: 200 });
    }
    const served = await call('/docs/openapi.json');
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual(JSON.parse(readFileSync(committedOpenApiPath(), 'utf8')));
  });
});

import { InMemoryRateLimiter, type RateLimiter } from '@parley/cache';
import { Registry } from 'prom-client';
import { graphAccessConfig } from '../config';
import { GraphPacer } from '../pacing/pacer';
import type { PacingClaim } from '../pacing/classify';
import { splitIntoBatches } from './batch';
import { GraphApi } from './graph-api';
import { GraphRequestError, type GraphResponse } from './graph-error';
import { GraphMetrics } from './graph-metrics';
import type { GraphCall, GraphTransport } from './transport';

const principal = { tenantId: 'tenant-1', clientId: 'app-1' };

/** A transport that answers from a script and records what was sent. */
class ScriptedTransport implements GraphTransport {
  readonly sent: GraphCall[] = [];
  constructor(private readonly answer: (call: GraphCall, index: number) => GraphResponse) {}
  async send(call: GraphCall): Promise<GraphResponse> {
    this.sent.push(call);
    return this.answer(call, this.sent.length - 1);
  }
}

function makeApi(transport: GraphTransport, options: { timeScale?: number; maxAttempts?: number; limits?: NonNullable<Parameters<typeof graphAccessConfig>[0]>['limits'] } = {}) {
  const config = graphAccessConfig({ timeScale: options.timeScale ?? 1, limits: options.limits });
  const sleeps: number[] = [];
  const metrics = new GraphMetrics(new Registry());
  let invalidated = 0;
  const api = new GraphApi({
    transport,
    principal,
    token: { get: async () => 'token', invalidate: () => void invalidated++ },
    pacer: new GraphPacer(new InMemoryRateLimiter(), config.pacing),
    retry: { maxAttempts: options.maxAttempts ?? 4, timeScale: config.pacing.timeScale, maxWaitMs: 60_000 },
    metrics,
    sleep: async (ms) => void sleeps.push(ms),
  });
  return { api, sleeps, metrics, invalidated: () => invalidated };
}

const ok = (body: unknown = {}): GraphResponse => ({ status: 200, headers: {}, body });
const throttled = (retryAfter?: string): GraphResponse => ({
  status: 429,
  headers: retryAfter ? { 'retry-after': retryAfter } : {},
  body: { error: { code: 'TooManyRequests', message: 'slow down' } },
});

describe('GraphApi.request', () => {
  it('retries a 429 after Retry-After scaled by the time scale, and counts it', async () => {
    const transport = new ScriptedTransport((_call, i) => (i === 0 ? throttled('2') : ok({ id: 'x' })));
    const { api, sleeps, metrics } = makeApi(transport, { timeScale: 0.1 });
    await expect(api.get('/users/x')).resolves.toEqual({ id: 'x' });
    expect(transport.sent).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(200);
    expect(sleeps[0]).toBeLessThanOrEqual(210);
    expect(await metrics.throttledTotal()).toBe(1);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const transport = new ScriptedTransport(() => ({ status: 503, headers: {}, body: { error: { code: 'ServiceUnavailable', message: 'down' } } }));
    const { api, sleeps } = makeApi(transport, { maxAttempts: 3 });
    const error = await api.get('/users/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphRequestError);
    expect(error).toMatchObject({ status: 503, code: 'ServiceUnavailable', graphMessage: 'down' });
    expect(transport.sent).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('does not retry a client error', async () => {
    const transport = new ScriptedTransport(() => ({ status: 403, headers: {}, body: { error: { code: 'Authorization_RequestDenied', message: 'no' } } }));
    const { api } = makeApi(transport);
    await expect(api.post('/invitations', {})).rejects.toMatchObject({ status: 403, code: 'Authorization_RequestDenied' });
    expect(transport.sent).toHaveLength(1);
  });

  it('refreshes the token once on a 401', async () => {
    const transport = new ScriptedTransport((_call, i) => (i === 0 ? { status: 401, headers: {}, body: { error: { code: 'InvalidAuthenticationToken', message: 'expired' } } } : ok()));
    const { api, invalidated } = makeApi(transport);
    await api.get('/me');
    expect(invalidated()).toBe(1);
    expect(transport.sent).toHaveLength(2);
  });

  it('acquire() takes the request\'s pacing tokens; a prepaced request goes out without taking more, its retry takes them again', async () => {
    const taken: string[] = [];
    const limiter = new InMemoryRateLimiter();
    const counting: RateLimiter = {
      tryTake: (bucket, spec, tokens) => limiter.tryTake(bucket, spec, tokens),
      take: async (bucket, spec, tokens, signal) => {
        taken.push(bucket);
        return limiter.take(bucket, spec, tokens, signal);
      },
    };
    const config = graphAccessConfig({ timeScale: 0.001 });
    const transport = new ScriptedTransport((_call, i) => (i === 0 ? throttled('1') : ok({ value: [] })));
    const api = new GraphApi({
      transport,
      principal,
      token: { get: async () => 'token', invalidate: () => undefined },
      pacer: new GraphPacer(counting, config.pacing),
      retry: { maxAttempts: 3, timeScale: 0.001, maxWaitMs: 60_000 },
      sleep: async () => undefined,
    });
    await api.acquire('POST', '/teams/T1/members/add');
    expect(taken).toEqual(['graph:team:tenant-1:app-1:T1']);
    await api.request('POST', '/teams/T1/members/add', { body: { values: [] }, prepaced: true });
    // The first attempt used the token acquire() took; the retry after the 429 was paced on the same bucket.
    expect(transport.sent).toHaveLength(2);
    expect(taken).toEqual(['graph:team:tenant-1:app-1:T1', 'graph:team:tenant-1:app-1:T1']);
  });

  it('answers null for a 404 through getOrNull', async () => {
    const { api } = makeApi(new ScriptedTransport(() => ({ status: 404, headers: {}, body: { error: { code: 'Request_ResourceNotFound', message: 'gone' } } })));
    await expect(api.getOrNull('/users/nobody')).resolves.toBeNull();
  });
});

describe('GraphApi.batch', () => {
  type Wire = { requests: { id: string; method: string; url: string; body?: unknown; headers?: Record<string, string> }[] };

  it('sends inner requests again, alone, when Graph throttled them inside the batch', async () => {
    const attemptsByUrl = new Map<string, number>();
    const transport = new ScriptedTransport((call) => {
      const wire = call.body as Wire;
      const responses = wire.requests.map((r) => {
        const seen = (attemptsByUrl.get(r.url) ?? 0) + 1;
        attemptsByUrl.set(r.url, seen);
        // The second team is throttled twice before it goes through.
        const status = r.url.includes('T2') && seen <= 2 ? 429 : 201;
        return { id: r.id, status, headers: status === 429 ? { 'Retry-After': '1' } : {}, body: status === 429 ? { error: { code: 'TooManyRequests', message: 'x' } } : { ok: r.url } };
      });
      return ok({ responses });
    });
    const { api, sleeps, metrics } = makeApi(transport, { timeScale: 0.01 });
    const items = ['T1', 'T2', 'T3'].map((team) => ({ method: 'POST' as const, url: `/teams/${team}/members`, body: { team } }));
    const answers = await api.batch(items);
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    expect(answers[1]?.body).toEqual({ ok: '/teams/T2/members' });
    expect(transport.sent).toHaveLength(3);
    expect(transport.sent.map((c) => (c.body as Wire).requests.map((r) => r.url))).toEqual([
      ['/teams/T1/members', '/teams/T2/members', '/teams/T3/members'],
      ['/teams/T2/members'],
      ['/teams/T2/members'],
    ]);
    expect(transport.sent.every((c) => c.method === 'POST' && c.path === '/$batch')).toBe(true);
    expect((transport.sent[0]?.body as Wire).requests[0]).toEqual({ id: '1', method: 'POST', url: '/teams/T1/members', body: { team: 'T1' }, headers: { 'content-type': 'application/json' } });
    expect(sleeps.every((ms) => ms >= 10 && ms < 20)).toBe(true);
    expect(await metrics.throttledTotal()).toBe(2);
  });

  it('hands back an inner answer that is still throttled after maxAttempts, and any other failure as is', async () => {
    const transport = new ScriptedTransport((call) =>
      ok({
        responses: (call.body as Wire).requests.map((r) => ({
          id: r.id,
          status: r.url.includes('T1') ? 429 : 404,
          headers: {},
          body: { error: { code: 'x', message: 'y' } },
        })),
      }),
    );
    const { api } = makeApi(transport, { maxAttempts: 2, timeScale: 0.001 });
    const answers = await api.batch([
      { method: 'GET', url: '/teams/T1' },
      { method: 'GET', url: '/teams/T2' },
    ]);
    expect(answers.map((a) => a.status)).toEqual([429, 404]);
    // Both GETs pass the Teams GET bucket (burst 1), so they go in separate batches; T1 is tried twice.
    expect(transport.sent.map((c) => (c.body as Wire).requests.map((r) => r.url))).toEqual([['/teams/T1'], ['/teams/T1'], ['/teams/T2']]);
  });

  it('splits into batches of at most 20, never more on one bucket than its burst', async () => {
    const transport = new ScriptedTransport((call) => ok({ responses: (call.body as Wire).requests.map((r) => ({ id: r.id, status: 200, body: {} })) }));
    const { api } = makeApi(transport);
    const items = Array.from({ length: 25 }, (_, i) => ({ method: 'GET' as const, url: `/users/u${i}` }));
    await api.batch([...items, { method: 'POST', url: '/teams/T1/members', body: {} }, { method: 'POST', url: '/teams/T1/members', body: {} }]);
    expect(transport.sent.map((c) => (c.body as Wire).requests.length)).toEqual([20, 6, 1]);
  });
});

describe('splitIntoBatches', () => {
  const claim = (bucket: string): PacingClaim => ({ limit: bucket.startsWith('team') ? 'perTeam' : 'invitations', bucket });
  const burst = (limit: string) => (limit === 'perTeam' ? 1 : 2);

  it('keeps order and respects size and bucket bursts', () => {
    const items = ['team:A', 'team:B', 'team:A', 'inv', 'inv', 'inv', 'free', 'team:B'];
    const chunks = splitIntoBatches(items, (item) => (item === 'free' ? [] : [claim(item)]), burst, 20);
    expect(chunks).toEqual([['team:A', 'team:B'], ['team:A', 'inv', 'inv'], ['inv', 'free', 'team:B']]);
  });

  it('cuts at the maximum size', () => {
    const chunks = splitIntoBatches(Array.from({ length: 45 }, (_, i) => i), () => [], burst, 20);
    expect(chunks.map((c) => c.length)).toEqual([20, 20, 5]);
  });

  it('never leaves an empty chunk, even for an item over every burst', () => {
    const chunks = splitIntoBatches(['x'], () => [claim('team:A'), claim('team:A')], burst);
    expect(chunks).toEqual([['x']]);
  });
});

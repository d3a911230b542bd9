import { InMemorySlidingWindowLimiter, type SlidingWindowLimiter } from '@parley/cache';
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
    pacer: new GraphPacer(new InMemorySlidingWindowLimiter(), config.pacing),
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

  it('acquire() paces the request; a prepaced request goes out without acquiring again, its retry acquires again', async () => {
    const taken: string[] = [];
    const restamped: string[] = [];
    const limiter = new InMemorySlidingWindowLimiter();
    const counting: SlidingWindowLimiter = {
      tryAcquire: (key, spec, count) => limiter.tryAcquire(key, spec, count),
      acquire: (key, spec, count, signal) => limiter.acquire(key, spec, count, signal),
      tryAcquireAll: (claims) => limiter.tryAcquireAll(claims),
      acquireAll: async (claims, signal) => {
        taken.push(...claims.map((c) => c.key));
        return limiter.acquireAll(claims, signal);
      },
      restamp: async (ticket, backdateMs) => {
        restamped.push(...ticket.claims.map((c) => c.key));
        return limiter.restamp(ticket, backdateMs);
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
    const grant = await api.acquire('POST', '/teams/T1/members/add');
    expect(taken).toEqual(['graph:team:tenant-1:app-1:T1']);
    await api.request('POST', '/teams/T1/members/add', { body: { values: [] }, prepaced: grant });
    // The first attempt used what acquire() acquired; the retry after the 429 was paced in the same window.
    expect(transport.sent).toHaveLength(2);
    expect(taken).toEqual(['graph:team:tenant-1:app-1:T1', 'graph:team:tenant-1:app-1:T1']);
    // Each attempt's acquisitions were restamped once Graph had answered it.
    expect(restamped).toEqual(['graph:team:tenant-1:app-1:T1', 'graph:team:tenant-1:app-1:T1']);

    await api.request('POST', '/teams/T1/members/add', { body: { values: [] }, prepaced: true });
    expect(taken).toHaveLength(2); // `true` still means acquired by the caller, with nothing to restamp
    expect(restamped).toHaveLength(2);
  });

  it('restamps a request\'s acquisitions when Graph answers late, so the next one waits a window from the answer', async () => {
    let now = 0;
    const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
    const limiter = new InMemorySlidingWindowLimiter({ clock, random: () => 0 });
    const config = graphAccessConfig({ limits: { perTeam: { requests: 1, windowMs: 1_000 } } });
    const pacer = new GraphPacer(limiter, config.pacing, clock.now);
    // Graph takes 400 ms to answer: it may have counted the request as late as that.
    const transport = new ScriptedTransport(() => {
      now += 400;
      return ok();
    });
    const api = new GraphApi({ transport, principal, token: { get: async () => 'token', invalidate: () => undefined }, pacer, retry: { maxAttempts: 1, timeScale: 1, maxWaitMs: 1000 } });
    await api.get('/teams/T1');
    // Graph's own window (1 s) from the answer, where without the restamp 1,035 ms from the grant would be 635 ms.
    expect(await limiter.tryAcquire('graph:team:tenant-1:app-1:T1', pacer.spec('perTeam'))).toEqual({ granted: false, retryAfterMs: 1_000 });
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
    // Different teams, well within the Teams GET limit: one batch; T1 is tried twice.
    expect(transport.sent.map((c) => (c.body as Wire).requests.map((r) => r.url))).toEqual([['/teams/T1', '/teams/T2'], ['/teams/T1']]);
  });

  it('splits into batches of at most 20, never more on one window than its limit', async () => {
    const transport = new ScriptedTransport((call) => ok({ responses: (call.body as Wire).requests.map((r) => ({ id: r.id, status: 200, body: {} })) }));
    const { api } = makeApi(transport, { timeScale: 0.01 });
    const items = Array.from({ length: 25 }, (_, i) => ({ method: 'GET' as const, url: `/users/u${i}` }));
    const additions = Array.from({ length: 6 }, () => ({ method: 'POST' as const, url: '/teams/T1/members', body: {} }));
    await api.batch([...items, ...additions]);
    // 4 requests per second on one team: the fifth addition waits for the next batch.
    expect(transport.sent.map((c) => (c.body as Wire).requests.length)).toEqual([20, 9, 2]);
  });

  it('acquires a batch\'s requests together, each counted in its windows', async () => {
    const transport = new ScriptedTransport((call) => ok({ responses: (call.body as Wire).requests.map((r) => ({ id: r.id, status: 200, body: {} })) }));
    const limiter = new InMemorySlidingWindowLimiter();
    const config = graphAccessConfig({ timeScale: 10 });
    const pacer = new GraphPacer(limiter, config.pacing);
    const api = new GraphApi({ transport, principal, token: { get: async () => 'token', invalidate: () => undefined }, pacer, retry: { maxAttempts: 2, timeScale: 10, maxWaitMs: 1000 } });
    await api.batch(Array.from({ length: 3 }, () => ({ method: 'GET' as const, url: '/teams/T1/members' })));
    // Three of the team's four per (here 10 s) window are gone, and three of the 20 Teams GETs.
    expect(await limiter.tryAcquire('graph:team:tenant-1:app-1:T1', pacer.spec('perTeam'), 2)).toMatchObject({ granted: false });
    expect(await limiter.tryAcquire('graph:team:tenant-1:app-1:T1', pacer.spec('perTeam'), 1)).toMatchObject({ granted: true });
    expect(await limiter.tryAcquire('graph:teams-get:tenant-1:app-1', pacer.spec('teamsGet'), 18)).toMatchObject({ granted: false });
    expect(await limiter.tryAcquire('graph:teams-get:tenant-1:app-1', pacer.spec('teamsGet'), 17)).toMatchObject({ granted: true });
  });
});

describe('splitIntoBatches', () => {
  const claim = (bucket: string): PacingClaim => ({ limit: bucket.startsWith('team') ? 'perTeam' : 'invitations', bucket });
  const perBatch = (limit: string) => (limit === 'perTeam' ? 1 : 2);

  it('keeps order and respects size and what each window allows per batch', () => {
    const items = ['team:A', 'team:B', 'team:A', 'inv', 'inv', 'inv', 'free', 'team:B'];
    const chunks = splitIntoBatches(items, (item) => (item === 'free' ? [] : [claim(item)]), perBatch, 20);
    expect(chunks).toEqual([['team:A', 'team:B'], ['team:A', 'inv', 'inv'], ['inv', 'free', 'team:B']]);
  });

  it('cuts at the maximum size', () => {
    const chunks = splitIntoBatches(Array.from({ length: 45 }, (_, i) => i), () => [], perBatch, 20);
    expect(chunks.map((c) => c.length)).toEqual([20, 20, 5]);
  });

  it('never leaves an empty chunk, even for an item over every allowance', () => {
    const chunks = splitIntoBatches(['x'], () => [claim('team:A'), claim('team:A')], perBatch);
    expect(chunks).toEqual([['x']]);
  });
});

import { setTimeout as delay } from 'node:timers/promises';
import { InMemorySlidingWindowLimiter, type Clock } from '@parley/cache';
import { graphAccessConfig } from '../config';
import { classifyRequest } from './classify';
import { GraphPacer, MIN_HOLD_MS } from './pacer';

/** A clock that only moves when someone sleeps. */
class SteppingClock implements Clock {
  private time = 0;
  now(): number {
    return this.time;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.time += ms;
  }
}

const principal = { tenantId: 'tenant-1', clientId: 'app-1' };
const invitation = classifyRequest('POST', '/invitations', principal);
const userUpdate = classifyRequest('PATCH', '/users/u1', principal);

function pacerAt(timeScale: number, overrides: Parameters<typeof graphAccessConfig>[0] = {}) {
  const clock = new SteppingClock();
  const limiter = new InMemorySlidingWindowLimiter({ clock, random: () => 0 });
  const pacer = new GraphPacer(limiter, graphAccessConfig({ timeScale, ...overrides }).pacing, () => clock.now());
  return { clock, limiter, pacer };
}

describe('GraphPacer', () => {
  it('sizes each window from the documented limit, the time scale and both margins', () => {
    const { pacer } = pacerAt(0.1);
    expect(pacer.spec('invitations')).toEqual({ limit: 150, windowMs: 500 * 1.01 + 25 });
    expect(pacer.spec('perTeam')).toEqual({ limit: 4, windowMs: 100 * 1.01 + 25 });
    expect(pacer.perBatch('perTeam')).toBe(4);
    expect(pacerAt(1, { margin: 0, marginMs: 0 }).pacer.spec('directoryWrites')).toEqual({ limit: 3_000, windowMs: 150_000 });
  });

  it('lets the whole limit go at once, then paces by the window, and reports the wait', async () => {
    const { pacer, clock } = pacerAt(1);
    const waits: number[] = [];
    for (let i = 0; i < 151; i++) waits.push((await pacer.acquire(invitation)).waitedMs);
    expect(waits.slice(0, 150).every((w) => w === 0)).toBe(true);
    expect(waits[150]).toBe(5_075);
    expect(clock.now()).toBe(5_075);
  });

  it('sends 2,000 invitations with the last one (ceil(2000/150) - 1) windows after the first, plus the margins', async () => {
    const { pacer, clock } = pacerAt(1);
    for (let i = 0; i < 2_000; i++) await pacer.acquire(invitation);
    const floor = (Math.ceil(2_000 / 150) - 1) * 5_000;
    expect(clock.now()).toBe(13 * 5_075);
    expect(clock.now() / floor).toBeLessThan(1.02);
  });

  it('acquires in all the windows of a request at once or in none', async () => {
    const { pacer, limiter } = pacerAt(1);
    const invitations = pacer.spec('invitations');
    const writes = pacer.spec('directoryWrites');
    await limiter.tryAcquire('graph:invitations:tenant-1', invitations, 150);
    // The invitation waits for its tenant's window; meanwhile it holds nothing of the app's directory writes...
    const waiting = pacer.acquire(invitation);
    expect(await limiter.tryAcquire('graph:directory-writes:tenant-1:app-1', writes, 3_000)).toMatchObject({ granted: true, retryAfterMs: 0 });
    expect((await waiting).waitedMs).toBeGreaterThan(0);
  });

  it('counts claims on the same window once each', async () => {
    const { pacer, limiter } = pacerAt(1);
    await pacer.acquire([...userUpdate, ...userUpdate, ...userUpdate]);
    expect((await limiter.tryAcquire('graph:directory-writes:tenant-1:app-1', pacer.spec('directoryWrites'), 2_998)).granted).toBe(false);
    expect((await limiter.tryAcquire('graph:directory-writes:tenant-1:app-1', pacer.spec('directoryWrites'), 2_997)).granted).toBe(true);
  });

  it('passes nothing through for requests no limit covers', async () => {
    const { pacer } = pacerAt(1);
    await expect(pacer.acquire([])).resolves.toEqual({ waitedMs: 0, ticket: null, slackMs: 0 });
    await expect(pacer.settle(await pacer.acquire([]))).resolves.toBeUndefined();
  });

  it('settle() restamps to the answer time minus the smallest slack of the request\'s limits', async () => {
    const { pacer, limiter, clock } = pacerAt(1);
    const grant = await pacer.acquire(invitation);
    expect(grant.slackMs).toBeCloseTo(5_000 * 0.01 + 25); // invitations' slack, smaller than directory writes'
    await limiter.tryAcquire('graph:invitations:tenant-1', pacer.spec('invitations'), 149);
    await clock.sleep(1_000); // Graph answered a second after the grant
    await pacer.settle(grant);
    // The 149 leave 5,075 ms after the grant; the invitation 5,075 ms after (1,000 - 75) ms.
    expect(await limiter.tryAcquire('graph:invitations:tenant-1', pacer.spec('invitations'), 150)).toEqual({ granted: false, retryAfterMs: 5_000 });
    expect(await limiter.tryAcquire('graph:invitations:tenant-1', pacer.spec('invitations'), 149)).toEqual({ granted: false, retryAfterMs: 4_075 });
  });

  it('settle() moves nothing when Graph answered within the slack', async () => {
    const { pacer, limiter, clock } = pacerAt(1);
    const grant = await pacer.acquire(invitation);
    await clock.sleep(50);
    await pacer.settle(grant);
    expect(await limiter.tryAcquire('graph:invitations:tenant-1', pacer.spec('invitations'), 150)).toEqual({ granted: false, retryAfterMs: 5_025 });
  });

  it('carry() holds a request on its way in the window past the paced one, then settles it', async () => {
    // perTeam at a tenth of the time: Graph's window 100 ms, paced 126 ms, slack 26 ms.
    const limiter = new InMemorySlidingWindowLimiter();
    const pacer = new GraphPacer(limiter, graphAccessConfig({ timeScale: 0.1 }).pacing);
    const team = classifyRequest('GET', '/teams/t1', principal);
    const key = team.find((claim) => claim.limit === 'perTeam')?.bucket as string;
    const spec = pacer.spec('perTeam');
    await limiter.tryAcquire(key, spec, 3);
    const grant = await pacer.acquire(team);
    // The answer comes at 250 ms, halfway between two of carry()'s holds (every 100 ms): at 300 ms, a hold that fires just
    // before the answer would rightly keep the place to the answer itself, and settle() would not move it back.
    const answered = pacer.carry(grant, () => delay(250).then(() => 'answer'));
    await delay(200); // the three others left at 126 ms; the request on its way still holds its place
    const refused = await limiter.tryAcquire(key, spec, 4);
    expect(refused.granted).toBe(false);
    await expect(answered).resolves.toBe('answer');
    // Settled at about 250 ms to the answer minus the slack: its place is held for about 100 ms more.
    const after = await limiter.tryAcquire(key, spec, 4);
    expect(after.granted).toBe(false);
    expect(after.retryAfterMs).toBeGreaterThan(60);
    expect(after.retryAfterMs).toBeLessThanOrEqual(101);
  });

  it('carry() does not hold a window shorter than MIN_HOLD_MS (time-scaled), only settles it', async () => {
    // Graph's windows at a thousandth of the time: 1 ms for a chat. Holding would restamp every millisecond.
    const limiter = new InMemorySlidingWindowLimiter();
    const restamp = jest.spyOn(limiter, 'restamp');
    const pacer = new GraphPacer(limiter, graphAccessConfig({ timeScale: 0.001, margin: 0, marginMs: 0 }).pacing);
    const grant = await pacer.acquire(classifyRequest('GET', '/teams/t1', principal));
    await expect(pacer.carry(grant, () => delay(60).then(() => 'answer'))).resolves.toBe('answer');
    expect(restamp).toHaveBeenCalledTimes(1); // settle()'s, nothing while on its way
    // At a tenth of the time (Graph's window 100 ms, at least MIN_HOLD_MS) a request on its way 300 ms is held.
    const scaled = new GraphPacer(limiter, graphAccessConfig({ timeScale: 0.1 }).pacing);
    restamp.mockClear();
    await scaled.carry(await scaled.acquire(classifyRequest('GET', '/teams/t2', principal)), () => delay(300));
    expect(restamp.mock.calls.length).toBeGreaterThanOrEqual(3);
    expect(MIN_HOLD_MS).toBeLessThanOrEqual(100);
  });

  it('carry() settles a request whose exchange failed', async () => {
    const limiter = new InMemorySlidingWindowLimiter();
    const pacer = new GraphPacer(limiter, graphAccessConfig({ timeScale: 0.1 }).pacing);
    const team = classifyRequest('GET', '/teams/t1', principal);
    const key = team.find((claim) => claim.limit === 'perTeam')?.bucket as string;
    const grant = await pacer.acquire(team);
    const failure = new Error('socket hang up');
    await expect(pacer.carry(grant, () => delay(150).then(() => Promise.reject(failure)))).rejects.toBe(failure);
    expect((await limiter.tryAcquire(key, pacer.spec('perTeam'), 4)).granted).toBe(false);
  });

  it('settle() gives up quietly when the limiter fails', async () => {
    const { pacer } = pacerAt(1);
    const grant = await pacer.acquire(invitation);
    const failing = new GraphPacer(
      { restamp: async () => Promise.reject(new Error('Redis is down')) } as unknown as InMemorySlidingWindowLimiter,
      graphAccessConfig().pacing,
    );
    await expect(failing.settle(grant)).resolves.toBeUndefined();
  });

  it('stops waiting when the signal aborts', async () => {
    const { pacer, limiter } = pacerAt(1);
    await limiter.tryAcquire('graph:invitations:tenant-1', pacer.spec('invitations'), 150);
    const reason = new Error('shutting down');
    await expect(pacer.acquire(invitation, AbortSignal.abort(reason))).rejects.toBe(reason);
  });
});

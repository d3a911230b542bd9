import { z } from 'zod';
import { InternalApiError, SYNC_CONFLICT_PROBLEM } from '@parley/internal-api';
import { toProblem } from '@parley/service-runtime';
import { peerProblem } from './peer-errors';

const request = { method: 'POST', originalUrl: '/v1/user-syncs' };
const fromPeer = (status: number, problem: Record<string, unknown>) => new InternalApiError(status, problem, 'POST http://127.0.0.1:3002/internal/orgs/org_x/user-syncs');
const answered = (error: unknown, what = 'user sync') => {
  const mapped = peerProblem('provisioning', error, what);
  return { ...mapped, body: toProblem(mapped.problem, request) };
};

describe('mapping a peer\'s error to the gateway\'s problem', () => {
  it('404 becomes the gateway\'s own "No such <what>", whatever the peer said', () => {
    const { body, failure } = answered(fromPeer(404, { detail: 'user sync 5 of org_B not found in provisioning.user_syncs' }));
    expect(body).toMatchObject({ status: 404, detail: 'No such user sync.', type: 'about:blank' });
    expect(failure).toBeUndefined();
  });

  it('a 404 for a route the peer does not have is a 502 (the peer is not the version spoken to), logged', () => {
    const { body, failure } = answered(fromPeer(404, { message: 'Cannot POST /internal/orgs/org_x/user-syncs', error: 'Not Found', statusCode: 404 }));
    expect(body).toMatchObject({ status: 502 });
    expect(failure).toEqual({ peer: 'provisioning', kind: 'unknown-route', status: 404 });
    expect(answered(fromPeer(404, { detail: 'No route matches GET /internal/orgs/org_x/user-syncs.' })).body.status).toBe(502);
  });

  it('400 passes the peer\'s detail and well-formed field errors', () => {
    const { body } = answered(fromPeer(400, { detail: 'mode must be guest or account', errors: [{ field: 'mode', message: 'invalid option' }] }));
    expect(body).toEqual({
      type: 'urn:parley:problem:invalid-request',
      title: 'Bad Request',
      status: 400,
      detail: 'mode must be guest or account',
      instance: '/v1/user-syncs',
      errors: [{ field: 'mode', message: 'invalid option' }],
    });
    expect(answered(fromPeer(400, { errors: 'garbage' })).body).not.toHaveProperty('errors');
    expect(answered(fromPeer(400, {})).body.detail).toBe('The request is invalid.');
  });

  it('409 passes the detail, the problem type and a sync conflict\'s activeSyncId, nothing else', () => {
    const activeSyncId = '0b1f9c1e-7a52-4d55-9d1a-1f3c7a2b9e10';
    const { body } = answered(
      fromPeer(409, { type: SYNC_CONFLICT_PROBLEM, title: 'Conflict', detail: 'A user sync is already running.', activeSyncId, internalRow: 42 }),
    );
    expect(body).toEqual({
      type: SYNC_CONFLICT_PROBLEM,
      title: 'Conflict',
      status: 409,
      detail: 'A user sync is already running.',
      instance: '/v1/user-syncs',
      activeSyncId,
    });
    expect(answered(fromPeer(409, { activeSyncId: 'not-a-uuid', type: 'javascript:alert(1)' })).body).toEqual({
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: 'The user sync conflicts with its current state.',
      instance: '/v1/user-syncs',
    });
  });

  it('409 passes the fields a conflict names, when they are well formed', () => {
    const errors = [{ field: 'settings.teamId', message: 'this Slack workspace is already connected' }];
    expect(answered(fromPeer(409, { detail: 'Taken.', errors }), 'connection').body).toMatchObject({ status: 409, detail: 'Taken.', errors });
    expect(answered(fromPeer(409, { detail: 'Taken.', errors: [{ field: 'x', orgId: 'org_other' }] })).body).not.toHaveProperty('errors');
  });

  it('422 passes the detail and the refused fields', () => {
    const { body } = answered(fromPeer(422, { detail: 'Nothing to sync: connect Slack first.', errors: [{ field: 'slack', reason: 'not connected' }] }), 'connection');
    expect(body).toMatchObject({ status: 422, detail: 'Nothing to sync: connect Slack first.', errors: [{ field: 'slack', reason: 'not connected' }] });
  });

  it('cuts a very long peer detail', () => {
    const { body } = answered(fromPeer(400, { detail: 'x'.repeat(5000) }));
    expect(body.detail.length).toBeLessThanOrEqual(300);
  });

  it('a 5xx, a 401 (wrong internal token) or a response off the shared schema is a 502 with no internals', () => {
    for (const status of [500, 401, 403, 418]) {
      const { body, failure } = answered(fromPeer(status, { detail: 'relation "provisioning.user_syncs" does not exist at postgres://admin:pw@db' }));
      expect(body).toEqual({
        type: 'urn:parley:problem:service-unavailable',
        title: 'Bad Gateway',
        status: 502,
        detail: 'The provisioning service could not complete the request; try again shortly.',
        instance: '/v1/user-syncs',
      });
      expect(failure).toEqual({ peer: 'provisioning', kind: 'peer-status', status });
    }
    const drift = z.object({ id: z.uuid() }).safeParse({ id: 7 });
    expect(answered(drift.error).body.status).toBe(502);
    expect(answered(drift.error).failure).toEqual({ peer: 'provisioning', kind: 'bad-response' });
  });

  it('a peer that is down, overloaded or slow is a 503', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3002'), { code: 'ECONNREFUSED' }) });
    expect(answered(refused).body).toMatchObject({ status: 503, detail: 'The provisioning service is unavailable; try again shortly.' });
    expect(answered(refused).failure).toEqual({ peer: 'provisioning', kind: 'unreachable', cause: 'TypeError ECONNREFUSED' });
    // undici's request() throws the socket error itself.
    const socket = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3002'), { code: 'ECONNREFUSED' });
    expect(answered(socket).failure).toEqual({ peer: 'provisioning', kind: 'unreachable', cause: 'Error ECONNREFUSED' });
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(answered(timeout).body.status).toBe(503);
    expect(answered(timeout).failure?.cause).toBe('TimeoutError');
    for (const status of [502, 503, 504]) expect(answered(fromPeer(status, {})).body.status).toBe(503);
    expect(answered(new Error('no URL is configured for the provisioning service')).body.status).toBe(503);
  });
});

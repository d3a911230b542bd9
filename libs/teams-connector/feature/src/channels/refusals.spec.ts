import { CHANNEL_NAME_TAKEN_PROBLEM } from '@parley/internal-api';
import { GraphRequestError, NeedsAttentionError } from '@parley/teams-connector-graph-access';
import { SubscriptionQuotaError, subscriptionRefusal } from '../ingress/subscription-manager';
import { problemOf } from './teams-channels';

const graphError = (status: number, code: string | null, message = 'said Graph') => new GraphRequestError(status, code, message, 'POST /teams/t/channels');

describe('what the relay is answered about a Teams channel', () => {
  it('404 for an unknown team or channel, 409 (name taken) for NameAlreadyExists, with Graph\'s reason', () => {
    expect(problemOf(graphError(404, 'NotFound'), 'reading channel c')).toMatchObject({ detail: expect.stringContaining('no such team or channel (said Graph)') });
    expect(problemOf(graphError(404, 'NotFound'), 'x').getStatus()).toBe(404);
    const taken = problemOf(graphError(400, 'NameAlreadyExists', 'Channel name already existed'), 'creating channel');
    expect(taken.getStatus()).toBe(409);
    expect(taken.problemType).toBe(CHANNEL_NAME_TAKEN_PROBLEM);
    expect(taken.detail).toContain('Channel name already existed');
  });

  it('422 for any other refusal an admin must act on; 503 when Graph did not answer', () => {
    const bad = problemOf(graphError(400, 'BadRequest', 'invalid characters'), 'creating channel');
    expect(bad.getStatus()).toBe(422);
    expect(bad.detail).toContain('Graph answered 400 BadRequest: invalid characters');
    expect(problemOf(new NeedsAttentionError('MFA required', { kind: 'team-owner' }), 'creating channel').getStatus()).toBe(422);
    expect(problemOf(graphError(429, 'TooManyRequests'), 'x').getStatus()).toBe(503);
    expect(problemOf(graphError(0, null), 'x').getStatus()).toBe(503);
    expect(problemOf(new Error('boom'), 'x').getStatus()).toBe(503);
  });
});

describe("why a channel's subscription is refused", () => {
  it('names the quota, Parley\'s or Graph\'s 403, and other refusals; nothing for what may pass on retry', () => {
    expect(subscriptionRefusal(new SubscriptionQuotaError('tenant-1', 3))).toContain('Parley holds 3 subscriptions in tenant tenant-1');
    expect(subscriptionRefusal(graphError(403, 'Forbidden', 'Subscription quota exceeded'))).toMatch(/^Graph refused the channel's subscription: 403 Forbidden \(the tenant may hold 10,000 subscriptions/);
    expect(subscriptionRefusal(graphError(404, 'NotFound'))).toContain('404 NotFound: said Graph');
    for (const status of [0, 429, 500, 503]) expect(subscriptionRefusal(graphError(status, null))).toBeNull();
    expect(subscriptionRefusal(new Error('socket hang up'))).toBeNull();
  });
});

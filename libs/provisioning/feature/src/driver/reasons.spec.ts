import { z } from 'zod';
import { InternalApiError } from '@parley/internal-api';
import { permanentIdentityFailure } from '../identity/identity-directory';
import { missingConnectionsReason } from './sync-starter';

describe('reasons an admin reads', () => {
  it('names the missing connections and how to add them', () => {
    expect(missingConnectionsReason(['teams'])).toBe(
      'no Microsoft Teams connection: connect it (POST /v1/connections with platform "teams") before running a user sync',
    );
    expect(missingConnectionsReason(['slack', 'teams'])).toBe(
      'no Slack and Microsoft Teams connection: connect both platforms (POST /v1/connections with platform "slack" and platform "teams") before running a user sync',
    );
  });

  it('tells identity refusals (the job fails) from transient trouble (retried)', () => {
    const refused = new InternalApiError(404, { detail: 'no such organization' }, 'GET http://identity/internal/orgs/org_x/people');
    expect(permanentIdentityFailure(refused)).toBe('identity refused the request (404): no such organization');
    expect(permanentIdentityFailure(new InternalApiError(403, { title: 'Forbidden' }, 'x'))).toBe('identity refused the request (403): Forbidden');
    expect(permanentIdentityFailure(z.object({ items: z.array(z.string()) }).safeParse({}).error)).toMatch(/cannot read/);
    for (const transient of [
      new InternalApiError(503, {}, 'x'),
      new InternalApiError(500, {}, 'x'),
      new InternalApiError(429, {}, 'x'),
      new InternalApiError(408, {}, 'x'),
      new TypeError('fetch failed'),
      new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
    ]) {
      expect(permanentIdentityFailure(transient)).toBeUndefined();
    }
  });
});

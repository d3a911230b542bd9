import { z } from 'zod';
import { defineTopic } from '../../topic';
import { email, nonEmpty, orgId, uuid } from '../../primitives';

const base = { orgId, syncId: uuid, personId: uuid };
const exampleBase = {
  orgId: 'org_3f9a2c1b7d',
  syncId: '0b6f3a52-6d8e-4c61-9f0e-2a1f4b7c9d10',
  personId: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
};

/** Whether Parley can sign in as the guest; `needs_attention` carries a reason an admin can act on. */
export const signInState = z.discriminatedUnion('status', [
  z.object({ status: z.literal('ok') }),
  z.object({ status: z.literal('needs_attention'), reason: nonEmpty }),
]);

export const TeamsGuestCreateRequestedV1 = defineTopic({
  name: 'parley.teams.guest.create.requested.v1',
  description:
    'Provisioning asks teams-connector to make a Slack-primary person a guest of the customer tenant: a home account Parley controls, invited without email, signed in, and added to the teams.',
  producers: ['provisioning'],
  consumers: ['teams-connector'],
  schema: z.object({ ...base, connectionId: uuid, email, displayName: nonEmpty, teamIds: z.array(nonEmpty) }),
  key: (p) => `${p.orgId}:${p.personId}`,
  // Each person's steps wait on Graph's invitation window (150 per 5 s per tenant): with the bus's 4 per partition,
  // a window's 150 trickled in over 2 to 3 s (bench:guest-sync, ADR 0012 addendum).
  keyConcurrency: 16,
  example: {
    ...exampleBase,
    connectionId: '7c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e',
    email: 'ada@example.com',
    displayName: 'Ada Lovelace',
    teamIds: ['team-1'],
  },
});

export const TeamsGuestCreatedV1 = defineTopic({
  name: 'parley.teams.guest.created.v1',
  description: 'The guest exists in the customer tenant (new, or found from an earlier attempt), with its sign-in state.',
  producers: ['teams-connector'],
  consumers: ['identity'],
  schema: z.object({
    ...base,
    guestUserId: nonEmpty,
    userPrincipalName: nonEmpty,
    homeUserPrincipalName: nonEmpty,
    teamIds: z.array(nonEmpty),
    reused: z.boolean(),
    signIn: signInState,
  }),
  key: (p) => `${p.orgId}:${p.personId}`,
  example: {
    ...exampleBase,
    guestUserId: 'a1b2c3d4-0000-4000-8000-000000000001',
    userPrincipalName: 'parley-5e6f7a8b9c0d_contosoparley.onmicrosoft.com#EXT#@contoso.onmicrosoft.com',
    homeUserPrincipalName: 'parley-5e6f7a8b9c0d@contosoparley.onmicrosoft.com',
    teamIds: ['team-1'],
    reused: false,
    signIn: { status: 'ok' },
  },
});

export const TeamsGuestFailedV1 = defineTopic({
  name: 'parley.teams.guest.failed.v1',
  description: 'A guest could not be created or disabled; the reason is meant for an admin.',
  producers: ['teams-connector'],
  consumers: ['provisioning'],
  schema: z.object({ ...base, operation: z.enum(['create', 'disable']), reason: nonEmpty, retryable: z.boolean() }),
  key: (p) => `${p.orgId}:${p.personId}`,
  example: { ...exampleBase, operation: 'create', reason: 'invitations are blocked by the tenant policy', retryable: false },
});

export const TeamsGuestDisableRequestedV1 = defineTopic({
  name: 'parley.teams.guest.disable.requested.v1',
  description: 'The person was deactivated on their primary platform: disable their guest (accountEnabled false).',
  producers: ['provisioning'],
  consumers: ['teams-connector'],
  schema: z.object({ ...base, connectionId: uuid, guestUserId: nonEmpty }),
  key: (p) => `${p.orgId}:${p.personId}`,
  example: { ...exampleBase, connectionId: '7c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e', guestUserId: 'a1b2c3d4-0000-4000-8000-000000000001' },
});

export const TeamsGuestDisabledV1 = defineTopic({
  name: 'parley.teams.guest.disabled.v1',
  description: 'The guest is disabled in the customer tenant (or already was).',
  producers: ['teams-connector'],
  consumers: ['identity'],
  schema: z.object({ ...base, guestUserId: nonEmpty }),
  key: (p) => `${p.orgId}:${p.personId}`,
  example: { ...exampleBase, guestUserId: 'a1b2c3d4-0000-4000-8000-000000000001' },
});

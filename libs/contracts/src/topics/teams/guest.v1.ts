import { z } from 'zod';
import { defineTopic } from '../../topic';
import { email, nonEmpty, orgId, uuid } from '../../primitives';

const base = { orgId, syncId: uuid, personId: uuid };
const exampleBase = {
  orgId: 'org_3f9a2c1b7d',
  syncId: '0b6f3a52-6d8e-4c61-9f0e-2a1f4b7c9d10',
  personId: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
};

export const TeamsGuestCreateRequestedV1 = defineTopic({
  name: 'parley.teams.guest.create.requested.v1',
  description: 'Provisioning asks teams-connector to make a Slack-primary person a guest of the customer tenant.',
  producers: ['provisioning'],
  consumers: ['teams-connector'],
  schema: z.object({ ...base, email, displayName: nonEmpty, teamIds: z.array(nonEmpty) }),
  key: (p) => `${p.orgId}:${p.personId}`,
  example: { ...exampleBase, email: 'ada@example.com', displayName: 'Ada Lovelace', teamIds: ['team-1'] },
});

export const TeamsGuestCreatedV1 = defineTopic({
  name: 'parley.teams.guest.created.v1',
  description: 'The guest exists in the customer tenant (new, or found from an earlier attempt).',
  producers: ['teams-connector'],
  consumers: ['provisioning', 'identity'],
  schema: z.object({ ...base, guestUserId: nonEmpty, userPrincipalName: nonEmpty, reused: z.boolean() }),
  key: (p) => `${p.orgId}:${p.personId}`,
  example: {
    ...exampleBase,
    guestUserId: 'a1b2c3d4-0000-4000-8000-000000000001',
    userPrincipalName: 'ada_example.com#EXT#@contoso.onmicrosoft.com',
    reused: false,
  },
});

export const TeamsGuestFailedV1 = defineTopic({
  name: 'parley.teams.guest.failed.v1',
  description: 'The guest could not be created; the reason is meant for an admin.',
  producers: ['teams-connector'],
  consumers: ['provisioning'],
  schema: z.object({ ...base, reason: nonEmpty, retryable: z.boolean() }),
  key: (p) => `${p.orgId}:${p.personId}`,
  example: { ...exampleBase, reason: 'invitations are blocked by the tenant policy', retryable: false },
});

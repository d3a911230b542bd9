import { z } from 'zod';
import { defineTopic } from '../../topic';
import { nonEmpty, orgId, uuid } from '../../primitives';

/** The provisioning commands whose dead letters end their task (the connectors never answered them). */
export const provisioningCommandTopics = {
  'parley.teams.guest.create.requested.v1': 'create_guest',
  'parley.teams.guest.disable.requested.v1': 'disable_guest',
  'parley.slack.mirror.create.requested.v1': 'create_mirror',
  'parley.slack.mirror.deactivate.requested.v1': 'deactivate_mirror',
} as const;

export const ProvisioningCommandDeadLetteredV1 = defineTopic({
  name: 'parley.provisioning.command.dead-lettered.v1',
  description:
    'A command provisioning sent for a pending task was dead-lettered by the connector that should have carried it out, ' +
    'so no result will come. identity marks the guest or mirror the command was about as needing attention, with that ' +
    'reason, and answers with parley.identity.account.recorded.v1 (failedBecause), on which provisioning fails the task.',
  producers: ['provisioning'],
  consumers: ['identity'],
  schema: z.object({
    orgId,
    syncId: uuid,
    personId: uuid,
    action: z.enum(['create_guest', 'disable_guest', 'create_mirror', 'deactivate_mirror']),
    /** The dead letter's reason, as the connector's consumer gave it. */
    reason: nonEmpty,
    /** The dead letter's event id: `GET /v1/dead-letters` lists it, `POST /v1/dead-letters/{id}/retry` sends it again. */
    deadLetterId: nonEmpty,
  }),
  key: (p) => `${p.orgId}:${p.personId}`,
  example: {
    orgId: 'org_3f9a2c1b7d',
    syncId: '0b6f3a52-6d8e-4c61-9f0e-2a1f4b7c9d10',
    personId: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
    action: 'create_mirror',
    reason: 'QueryFailedError: duplicate key value violates unique constraint "scim_mirrors_team_id_slack_user_id_key"',
    deadLetterId: '8d0e6c1a-3b2f-4f5e-9a7c-1d2e3f4a5b6c',
  },
});

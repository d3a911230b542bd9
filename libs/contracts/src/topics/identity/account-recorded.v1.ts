import { z } from 'zod';
import { defineTopic } from '../../topic';
import { nonEmpty, orgId, platform, uuid } from '../../primitives';

/**
 * identity recorded the guest or mirror a connector reported for a sync's task. provisioning counts a task done on
 * this event, not on the connector's: identity records the account in its own consumer group, so a sync that ended on
 * the connector's event could say `succeeded` before `/v1/people` showed its guests and mirrors (ADR 0038).
 */
export const IdentityAccountRecordedV1 = defineTopic({
  name: 'parley.identity.account.recorded.v1',
  description:
    "identity recorded a guest or mirror from a connector's result (guest created or disabled, mirror created or " +
    'deactivated), or marked it needs_attention for a dead-lettered command, in the same transaction: /v1/people shows ' +
    'it from now on. provisioning settles the task on it.',
  producers: ['identity'],
  consumers: ['provisioning'],
  schema: z.object({
    orgId,
    syncId: uuid,
    personId: uuid,
    /** The task the connector's result answers. */
    action: z.enum(['create_guest', 'disable_guest', 'create_mirror', 'deactivate_mirror']),
    /**
     * The account as identity now shows it; null when identity does not know the person (nothing was recorded, and
     * nothing ever will be for that event, so the task fails rather than waits).
     */
    account: z
      .object({
        platform,
        kind: z.enum(['guest', 'mirror']),
        /** Null for an account never made (its create command was dead-lettered). */
        platformUserId: nonEmpty.nullable(),
        status: z.enum(['active', 'deactivated', 'needs_attention']),
        /** Set with `needs_attention`: what an admin must do (a guest Parley cannot sign in as). */
        attentionReason: nonEmpty.optional(),
      })
      .nullable(),
    /**
     * Set when the task failed and identity recorded why: a command provisioning told it was dead-lettered
     * (`parley.provisioning.command.dead-lettered.v1`). The task fails with this reason.
     */
    failedBecause: nonEmpty.optional(),
    /** The event this answers (its topic and event id), for tracing a task's result to its cause. */
    answers: z.object({ topic: nonEmpty, eventId: nonEmpty }),
  }),
  // Keyed like the connector events it answers: one person's results stay in order.
  key: (p) => `${p.orgId}:${p.personId}`,
  example: {
    orgId: 'org_3f9a2c1b7d',
    syncId: '0b6f3a52-6d8e-4c61-9f0e-2a1f4b7c9d10',
    personId: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
    action: 'create_guest',
    account: { platform: 'teams', kind: 'guest', platformUserId: 'a1b2c3d4-0000-4000-8000-000000000001', status: 'active' },
    answers: { topic: 'parley.teams.guest.created.v1', eventId: '8d0e6c1a-3b2f-4f5e-9a7c-1d2e3f4a5b6c' },
  },
});

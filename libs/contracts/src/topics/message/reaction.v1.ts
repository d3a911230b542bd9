import { z } from 'zod';
import { defineTopic } from '../../topic';
import { nonEmpty, orgId, platform, timestamp, uuid } from '../../primitives';

// Reactions on relayed messages (docs/adr/0032-reactions-mapping-and-custom-emoji.md). They travel apart from
// message.received/deliver so that neither existing payload changes; channel messages reuse them as they are.

const conversationRef = z.object({ platform, conversationId: nonEmpty });
const conversationKey = (c: z.infer<typeof conversationRef>) => `${c.platform}:${c.conversationId}`;

/** A reaction as its platform names it: Slack's name (`+1`, `+1::skin-tone-2`, a custom name), Teams' reactionType. */
const platformReaction = z.string().min(1).max(200);

export const ReactionObservedV1 = defineTopic({
  name: 'parley.reaction.observed.v1',
  description: 'A connector saw someone add or remove a reaction on a message (once per change, echoes of Parley dropped).',
  producers: ['slack-connector', 'teams-connector'],
  consumers: ['relay'],
  schema: z.object({
    orgId,
    connectionId: uuid,
    /** `kind` when the connector knows it without a call (Slack's reaction events do not say, except by a DM's `D` id). */
    conversation: conversationRef.extend({ kind: z.enum(['dm', 'group', 'channel']).optional() }),
    /** The message reacted to, by its id on this platform. */
    messageId: nonEmpty,
    /** The root of the thread the message is a reply in (Teams channel replies are addressed under their root). */
    threadRootId: nonEmpty.optional(),
    reactorPlatformUserId: nonEmpty,
    change: z.enum(['added', 'removed']),
    reaction: platformReaction,
    /** Slack's `event_id`, or the connector's identity of the change it computed from Teams' reactions[]. */
    platformEventId: nonEmpty,
    occurredAt: timestamp,
  }),
  key: (p) => conversationKey(p.conversation),
  example: {
    orgId: 'org_3f9a2c1b7d',
    connectionId: '0d3c2b1a-9f8e-4d7c-8b6a-5f4e3d2c1b0a',
    conversation: { platform: 'slack', conversationId: 'D024BE91L', kind: 'dm' },
    messageId: '1732700000.000100',
    reactorPlatformUserId: 'U024BE7LH',
    change: 'added',
    reaction: '+1::skin-tone-2',
    platformEventId: 'Ev08MFMKH7',
    occurredAt: '2026-11-27T10:00:05.000Z',
  },
});

const reactionDeliverRequested = z.object({
  orgId,
  /** The connection on the target platform. */
  connectionId: uuid,
  /** The idempotency key: one reaction change is made once. */
  deliveryId: uuid,
  /** The twin conversation on the target platform (reactions never open one). */
  conversationId: nonEmpty,
  /** The target-side id of the message reacted to. */
  targetMessageId: nonEmpty,
  /** The target-side root when the message is a reply in a Teams channel thread. */
  threadRootId: nonEmpty.optional(),
  change: z.enum(['add', 'remove']),
  /** The person who reacted; Parley reacts as them (their guest or consented account, their Slack token), never as the app. */
  reactorPersonId: uuid,
  /** In the target platform's terms: a Slack emoji name without colons, or a Teams reactionType (unicode). */
  reaction: platformReaction,
});
const deliverExample = {
  orgId: 'org_3f9a2c1b7d',
  connectionId: '7c6b5a49-3827-4615-9a0b-c1d2e3f4a5b6',
  deliveryId: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e',
  conversationId: '19:abc@thread.v2',
  targetMessageId: '1732700000123',
  change: 'add' as const,
  reactorPersonId: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
  reaction: '👍🏻',
};

export const TeamsReactionDeliverRequestedV1 = defineTopic({
  name: 'parley.teams.reaction.deliver.requested.v1',
  description: "Relay asks teams-connector to set or unset a reaction on a Teams message as the reactor's account there.",
  producers: ['relay'],
  consumers: ['teams-connector'],
  schema: reactionDeliverRequested,
  key: (p) => `teams:${p.conversationId}`,
  example: deliverExample,
});

export const SlackReactionDeliverRequestedV1 = defineTopic({
  name: 'parley.slack.reaction.deliver.requested.v1',
  description: "Relay asks slack-connector to add or remove a reaction on a Slack message with the reactor's user token.",
  producers: ['relay'],
  consumers: ['slack-connector'],
  schema: reactionDeliverRequested,
  key: (p) => `slack:${p.conversationId}`,
  example: { ...deliverExample, conversationId: 'D024BE91L', targetMessageId: '1732700000.000100', reaction: '+1::skin-tone-2' },
});

export const ReactionDeliveredV1 = defineTopic({
  name: 'parley.reaction.delivered.v1',
  description: 'A connector made (or could not make) a reaction change; relay records it in the delivery state.',
  producers: ['slack-connector', 'teams-connector'],
  consumers: ['relay'],
  schema: z.object({
    orgId,
    deliveryId: uuid,
    conversation: conversationRef,
    /**
     * `unvoiced`: Parley has no voice for the reactor on that platform (no consent, a revoked token, a policy), and a
     * reaction cannot be made for someone else, so none was made; `reason` says why.
     */
    outcome: z.enum(['delivered', 'failed', 'unvoiced']),
    /** The platform's own reason for a failure, shown to admins as is. */
    reason: z.string().max(2000).optional(),
    deliveredAt: timestamp,
  }),
  key: (p) => conversationKey(p.conversation),
  example: {
    orgId: 'org_3f9a2c1b7d',
    deliveryId: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e',
    conversation: { platform: 'teams', conversationId: '19:abc@thread.v2' },
    outcome: 'delivered',
    deliveredAt: '2026-11-27T10:00:06.000Z',
  },
});

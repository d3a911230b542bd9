import { z } from 'zod';
import { defineTopic } from '../../topic';
import { nonEmpty, orgId, platform, timestamp, uuid } from '../../primitives';

/**
 * What kind of conversation a message lives in. DMs and group DMs are relayed to a twin with the same people;
 * channels only through an admin's channel link.
 */
const conversationKind = z.enum(['dm', 'group', 'channel']);

/** A conversation on one platform: the order lane for everything said in it. */
export const conversationRef = z.object({ platform, conversationId: nonEmpty });
export const conversationKey = (c: z.infer<typeof conversationRef>) => `${c.platform}:${c.conversationId}`;

/**
 * A mention as Teams carries it next to the HTML body (`<at id="n">` plus `mentions[n]`). Slack mentions live inline in
 * the mrkdwn (`<@U…>`) and need no list.
 */
const teamsMention = z.object({
  id: z.number().int().min(0),
  mentionText: z.string(),
  /** The Entra object id of the person mentioned; absent for mentions of a conversation, a tag or an app. */
  userId: nonEmpty.optional(),
});

/**
 * Message text in the source platform's own format. It travels on the bus only while its delivery needs it; the relay
 * never writes it to its database (relay.md, Privacy).
 */
export const messageBody = z.object({
  format: z.enum(['slack-mrkdwn', 'teams-html', 'plain']),
  content: z.string(),
  mentions: z.array(teamsMention).optional(),
});

/** What a connector saw: one message's create, edit or delete. Versions extend it (v2 adds files). */
export const messageReceived = z.object({
  orgId,
  /** The connection (workspace or tenant) the event came through. */
  connectionId: uuid,
  conversation: conversationRef.extend({
    kind: conversationKind,
    /**
     * Platform user ids of everyone in a DM or group DM, the sender included; the relay needs them to find or open
     * the twin. Absent for channels.
     */
    members: z.array(nonEmpty).max(50).optional(),
  }),
  change: z.enum(['created', 'edited', 'deleted']),
  messageId: nonEmpty,
  /** The message this one replies to (a Slack thread's parent `ts`; a Teams reply's or quote's parent id). */
  threadRootId: nonEmpty.optional(),
  senderPlatformUserId: nonEmpty,
  /** Absent for deletes. */
  body: messageBody.optional(),
  /** Slack's `event_id`, or Graph's notification or catch-up identity; the relay ignores a second one. */
  platformEventId: nonEmpty,
  occurredAt: timestamp,
});

export const MessageReceivedV1 = defineTopic({
  name: 'parley.message.received.v1',
  description: 'A connector saw a message event (new, edited or deleted) that Parley did not post itself.',
  producers: ['slack-connector', 'teams-connector'],
  consumers: ['relay'],
  schema: messageReceived,
  key: (p) => conversationKey(p.conversation),
  example: {
    orgId: 'org_3f9a2c1b7d',
    connectionId: '0d3c2b1a-9f8e-4d7c-8b6a-5f4e3d2c1b0a',
    conversation: { platform: 'slack', conversationId: 'D024BE91L', kind: 'dm', members: ['U024BE7LH', 'U0G9QF9C6'] },
    change: 'created',
    messageId: '1732700000.000100',
    senderPlatformUserId: 'U024BE7LH',
    body: { format: 'slack-mrkdwn', content: 'hello *world*' },
    platformEventId: 'Ev08MFMKH6',
    occurredAt: '2026-11-27T10:00:02.000Z',
  },
});

/**
 * Where a delivery goes: a conversation the relay already knows, or a DM or group DM the connector must open first
 * (Slack conversations.open with the sender's user token; Graph POST /chats). The opened id comes back in
 * parley.message.delivered.v1, and the relay keeps it as the twin.
 */
const deliveryTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('existing'), conversationId: nonEmpty }),
  z.object({
    kind: z.literal('open'),
    conversationKind: z.enum(['dm', 'group']),
    /** Platform user ids on the target platform of everyone in the twin, the sender's voice included. */
    memberPlatformUserIds: z.array(nonEmpty).min(2).max(50),
  }),
]);

/** What the relay asks a connector to post, edit or delete. Versions extend it (v2 adds files). */
export const deliverRequested = z.object({
  orgId,
  /** The connection on the target platform. */
  connectionId: uuid,
  /** The idempotency key: a connector never posts one delivery twice, and reconciles before any retry. */
  deliveryId: uuid,
  target: deliveryTarget,
  change: z.enum(['create', 'edit', 'delete']),
  /** Set for edits and deletes: the id the target platform gave the message when Parley posted it. */
  targetMessageId: nonEmpty.optional(),
  /** The target-side id of the message this one replies to. */
  threadRootId: nonEmpty.optional(),
  /** The person Parley speaks as (their guest or consented account on Teams, their Slack account on Slack). */
  senderPersonId: uuid,
  /**
   * Shown when Parley cannot speak as the sender (no consent yet, a revoked token, a policy): the app posts with this
   * name and picture in each recipient's DM with the app (relay.md, Fallback).
   */
  senderDisplayName: z.string().min(1).max(256),
  senderAvatarUrl: z.url().optional(),
  /**
   * Target-side user ids of the people who should see the message: the fallback's recipients. Empty for a channel
   * (a linked one): there the fallback is posted in the channel itself.
   */
  recipientPlatformUserIds: z.array(nonEmpty).max(50),
  /** Already translated into the target platform's format (and split, so one part fits in one post). */
  body: messageBody.optional(),
});
export const deliverExample = {
  orgId: 'org_3f9a2c1b7d',
  connectionId: '7c6b5a49-3827-4615-9a0b-c1d2e3f4a5b6',
  deliveryId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  target: { kind: 'existing' as const, conversationId: '19:abc@thread.v2' },
  change: 'create' as const,
  senderPersonId: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
  senderDisplayName: 'Ada Lovelace',
  recipientPlatformUserIds: ['8f2d1c3b-5a4e-4f6d-9b8a-7c6d5e4f3a2b'],
  body: { format: 'teams-html' as const, content: 'hello <strong>world</strong>' },
};
export const targetKey = (platformName: 'slack' | 'teams') => (p: z.infer<typeof deliverRequested>) =>
  p.target.kind === 'existing'
    ? `${platformName}:${p.target.conversationId}`
    : `${platformName}:open:${[...p.target.memberPlatformUserIds].sort().join(',')}`;

export const TeamsMessageDeliverRequestedV1 = defineTopic({
  name: 'parley.teams.message.deliver.requested.v1',
  description: 'Relay asks teams-connector to post, edit or delete a message in a Teams chat or channel.',
  producers: ['relay'],
  consumers: ['teams-connector'],
  schema: deliverRequested,
  key: targetKey('teams'),
  example: deliverExample,
});

export const SlackMessageDeliverRequestedV1 = defineTopic({
  name: 'parley.slack.message.deliver.requested.v1',
  description: 'Relay asks slack-connector to post, edit or delete a message in a Slack conversation.',
  producers: ['relay'],
  consumers: ['slack-connector'],
  schema: deliverRequested,
  key: targetKey('slack'),
  example: {
    ...deliverExample,
    target: { kind: 'existing' as const, conversationId: 'D024BE91L' },
    recipientPlatformUserIds: ['U024BE7LH'],
    body: { format: 'slack-mrkdwn' as const, content: 'hello *world*' },
  },
});

/** A connector's outcome of one delivery. Versions extend it (v2 adds the files not carried). */
export const messageDelivered = z.object({
  orgId,
  deliveryId: uuid,
  /**
   * The target conversation: the one asked for, or the one the connector opened. For a fallback post, the twin the
   * message belongs to is unchanged; `fallbackPosts` say where the app posted instead.
   */
  conversation: conversationRef,
  outcome: z.enum(['delivered', 'failed']),
  /** The id the target platform gave the post (absent for a failed delivery and for a delete). */
  platformMessageId: nonEmpty.optional(),
  /** `person` when Parley spoke as the sender; `fallback` when the app posted for them. */
  voice: z.enum(['person', 'fallback']).optional(),
  /** Fallback posts: one per recipient's DM with the app; a reply in one's thread goes back to the sender. */
  fallbackPosts: z.array(z.object({ conversationId: nonEmpty, platformMessageId: nonEmpty })).optional(),
  /** The platform's own reason for a failure (its error code and message), shown to admins as is. */
  reason: z.string().max(2000).optional(),
  deliveredAt: timestamp,
});

export const MessageDeliveredV1 = defineTopic({
  name: 'parley.message.delivered.v1',
  description: 'A connector finished (or gave up on) a delivery; relay records the id on the other side.',
  producers: ['slack-connector', 'teams-connector'],
  consumers: ['relay'],
  schema: messageDelivered,
  key: (p) => conversationKey(p.conversation),
  example: {
    orgId: 'org_3f9a2c1b7d',
    deliveryId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    conversation: { platform: 'teams', conversationId: '19:abc@thread.v2' },
    outcome: 'delivered',
    platformMessageId: '1732700000123',
    voice: 'person',
    deliveredAt: '2026-11-27T10:00:03.000Z',
  },
});

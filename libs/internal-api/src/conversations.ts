import { z } from 'zod';
import { nonEmpty, orgId, platform, timestamp, uuid } from '@parley/contracts';

/**
 * The relay's twins and the state of each message carried between them, as relay answers the gateway
 * (`internalRoutes.relay`) and the gateway answers admins (`/v1/conversations`). Ids, states and reasons only: the
 * relay keeps no message text.
 */
export const relayPageQuery = z.strictObject({
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type RelayPageQuery = z.output<typeof relayPageQuery>;

const side = z.object({
  /** The conversation's id on this platform; null until its first delivery opens it. */
  conversationId: nonEmpty.nullable(),
});

export const conversationView = z.object({
  id: uuid,
  orgId,
  /** `channel`: a Slack channel and a Teams channel an admin linked (`/v1/channel-links`). */
  kind: z.enum(['dm', 'group', 'channel']),
  slack: side,
  teams: side,
  /** The Parley people in the twin (those left out for lack of an account on one side are not). */
  memberPersonIds: z.array(uuid),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type ConversationView = z.infer<typeof conversationView>;

export const conversationPage = z.object({ items: z.array(conversationView), nextCursor: z.string().nullable() });
export type ConversationPage = z.infer<typeof conversationPage>;

export const deliveryState = z.enum(['pending', 'delivered', 'failed']);

/** One post, edit or delete of one part of a message on the other side. */
export const deliveryView = z.object({
  id: uuid,
  part: z.number().int().min(0),
  change: z.enum(['create', 'edit', 'delete']),
  platform,
  state: deliveryState,
  /** The other side's id of the message (delivered creates, and the edits and deletes of it). */
  targetMessageId: nonEmpty.optional(),
  /** The platform's reason for a failure, as it gave it. */
  reason: z.string().optional(),
  /** `fallback` when the app posted for the sender. */
  voice: z.enum(['person', 'fallback']).optional(),
  /**
   * The files of a create (ADR 0039): each with what became of it. `not_carried` names why (file relay off, too large,
   * or the platform's refusal); the message says so to its readers too.
   */
  files: z
    .array(
      z.object({
        name: z.string(),
        kind: z.enum(['image', 'file']),
        sizeBytes: z.number().int().min(0),
        state: z.enum(['pending', 'carried', 'not_carried']),
        reason: z.string().optional(),
      }),
    )
    .optional(),
  requestedAt: timestamp,
  finishedAt: timestamp.optional(),
});
export type DeliveryView = z.infer<typeof deliveryView>;

/**
 * One reaction change (an add or a remove) carried to the other side (ADR 0032). `waiting`: the message itself is not
 * there yet; `unvoiced`: Parley has no voice for the person who reacted there, so nothing was made.
 */
export const reactionDeliveryView = z.object({
  id: uuid,
  change: z.enum(['add', 'remove']),
  /** Where the reaction was made and by whom (their id there). */
  source: z.object({ platform, reactorPlatformUserId: nonEmpty }),
  reactorPersonId: uuid.optional(),
  /** The emoji key both sides share (`u:` + the unicode emoji, or `slack:` + a custom emoji's name). */
  reaction: nonEmpty,
  platform,
  state: z.enum(['waiting', 'pending', 'delivered', 'failed', 'unvoiced']),
  /** Why it was not carried (a custom emoji, no voice, the platform's refusal), in words. */
  reason: z.string().optional(),
  requestedAt: timestamp,
  finishedAt: timestamp.optional(),
});
export type ReactionDeliveryView = z.infer<typeof reactionDeliveryView>;

export const relayedMessageView = z.object({
  id: uuid,
  orgId,
  conversationId: uuid,
  source: z.object({ platform, conversationId: nonEmpty, messageId: nonEmpty }),
  senderPersonId: uuid,
  threadRootId: nonEmpty.optional(),
  /**
   * The message's state on the other side, from the latest change of each part: failed if any failed (with that
   * reason), else pending if any is on its way, else delivered.
   */
  state: deliveryState,
  /** The other side's ids of the message's parts, in order (one unless it was split). */
  targetMessageIds: z.array(nonEmpty),
  reason: z.string().optional(),
  deleted: z.boolean(),
  deliveries: z.array(deliveryView),
  /** The reaction changes on the message, both ways, oldest first. */
  reactions: z.array(reactionDeliveryView).optional(),
  createdAt: timestamp,
});
export type RelayedMessageView = z.infer<typeof relayedMessageView>;

export const relayedMessagePage = z.object({ items: z.array(relayedMessageView), nextCursor: z.string().nullable() });
export type RelayedMessagePage = z.infer<typeof relayedMessagePage>;

/** The organization's relay settings (`/v1/relay-settings`). */
export const relaySettingsView = z.object({
  orgId,
  /** Whether files and images are carried with messages; off, each is named in a note instead (ADR 0039). */
  fileRelay: z.boolean(),
  /** When an admin last changed them; null while they are the defaults. */
  updatedAt: timestamp.nullable(),
});
export type RelaySettingsView = z.infer<typeof relaySettingsView>;

export const updateRelaySettingsRequest = z.strictObject({ fileRelay: z.boolean() });
export type UpdateRelaySettingsRequest = z.infer<typeof updateRelaySettingsRequest>;

import { z } from 'zod';
import { nonEmpty, orgId, timestamp, uuid } from '@parley/contracts';

/**
 * Channel links (Channel Sync): a Slack channel and a Teams channel whose messages the relay carries both ways. The
 * relay owns them; the gateway answers admins with them (`/v1/channel-links`); the connectors describe and create the
 * channels on their platforms.
 */

/** One side named by its id, or "create the twin" of the other side. */
const slackSideRequest = z.union([
  z.strictObject({ channelId: nonEmpty.max(64) }),
  z.strictObject({
    create: z.literal(true),
    /** Defaults to the Teams channel's name made a valid Slack name (lower case, hyphens, at most 80 characters). */
    name: z.string().min(1).max(80).optional(),
  }),
]);
const teamsSideRequest = z.union([
  z.strictObject({ teamId: nonEmpty.max(64), channelId: nonEmpty.max(200) }),
  z.strictObject({
    create: z.literal(true),
    /** The team the channel is made in; defaults to the connection's first team. */
    teamId: nonEmpty.max(64).optional(),
    /** Defaults to the Slack channel's name. */
    displayName: z.string().min(1).max(50).optional(),
  }),
]);

export const createChannelLinkRequest = z
  .strictObject({ slack: slackSideRequest, teams: teamsSideRequest })
  .refine((r) => !('create' in r.slack && 'create' in r.teams), {
    message: 'name at least one existing channel: only one side can be created',
    path: ['teams', 'create'],
  });
export type CreateChannelLinkRequest = z.infer<typeof createChannelLinkRequest>;

export const channelLinkView = z.object({
  id: uuid,
  orgId,
  slack: z.object({ connectionId: uuid, channelId: nonEmpty, name: z.string() }),
  teams: z.object({ connectionId: uuid, teamId: nonEmpty, channelId: nonEmpty, displayName: z.string() }),
  private: z.boolean(),
  /** The side Parley created for this link, if any. */
  createdSide: z.enum(['slack', 'teams']).nullable(),
  /** The relayed conversation: its messages and their delivery state are at `/v1/conversations/{conversationId}/messages`. */
  conversationId: uuid,
  createdAt: timestamp,
});
export type ChannelLinkView = z.infer<typeof channelLinkView>;

export const channelLinkPage = z.object({ items: z.array(channelLinkView), nextCursor: z.string().nullable() });
export type ChannelLinkPage = z.infer<typeof channelLinkPage>;

/** A Slack channel as slack-connector reads it with the bot token. */
export const slackChannelView = z.object({
  id: nonEmpty,
  name: z.string(),
  private: z.boolean(),
  archived: z.boolean(),
  /** Whether the Parley app (its bot user) is in the channel; a private channel needs an invite from a member. */
  appIsMember: z.boolean(),
});
export type SlackChannelView = z.infer<typeof slackChannelView>;

export const createSlackChannelRequest = z.strictObject({ name: z.string().min(1).max(80), private: z.boolean() });

/** A Teams channel as teams-connector reads it with the app's token. */
export const teamsChannelView = z.object({
  teamId: nonEmpty,
  id: nonEmpty,
  displayName: z.string(),
  membershipType: z.enum(['standard', 'private', 'shared']),
});
export type TeamsChannelView = z.infer<typeof teamsChannelView>;

export const createTeamsChannelRequest = z.strictObject({ displayName: z.string().min(1).max(50), private: z.boolean() });

/** 409: one of the channels is in a live link already (a channel is linked with at most one other). */
export const CHANNEL_ALREADY_LINKED_PROBLEM = 'https://parley.dev/problems/channel-already-linked';
/** 422: the channel exists but cannot be linked as it is (archived, a private one the app is not in, a shared channel). */
export const CHANNEL_NOT_LINKABLE_PROBLEM = 'https://parley.dev/problems/channel-not-linkable';
/** 409 (connectors): "create the twin" found the name taken on that platform. */
export const CHANNEL_NAME_TAKEN_PROBLEM = 'https://parley.dev/problems/channel-name-taken';

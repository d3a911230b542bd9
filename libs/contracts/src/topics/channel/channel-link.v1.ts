import { z } from 'zod';
import { defineTopic } from '../../topic';
import { nonEmpty, orgId, timestamp, uuid } from '../../primitives';

/**
 * A Teams channel as a conversation on the bus: `{teamId}/{channelId}`. Graph addresses a channel message under both
 * ids (`/teams/{teamId}/channels/{channelId}/messages`), and neither id holds a `/`, so a connector can post to the
 * channel from the id alone. Chats keep their own id (`19:…@thread.v2`).
 */
export function teamsChannelConversationId(teamId: string, channelId: string): string {
  return `${teamId}/${channelId}`;
}

/** The team and channel of a Teams channel conversation id, or null for a chat's id. */
export function parseTeamsChannelConversationId(conversationId: string): { teamId: string; channelId: string } | null {
  const slash = conversationId.indexOf('/');
  if (slash <= 0 || slash === conversationId.length - 1) return null;
  return { teamId: conversationId.slice(0, slash), channelId: conversationId.slice(slash + 1) };
}

const linkSides = {
  slack: z.object({ connectionId: uuid, channelId: nonEmpty }),
  teams: z.object({ connectionId: uuid, teamId: nonEmpty, channelId: nonEmpty }),
};

export const ChannelLinkChangedV1 = defineTopic({
  name: 'parley.channel.link.changed.v1',
  description:
    'An admin linked a Slack channel with a Teams channel, or unlinked them. The connectors start or stop listening to both channels; relay carries their messages while the link lives.',
  producers: ['relay'],
  consumers: ['slack-connector', 'teams-connector'],
  schema: z.object({
    orgId,
    /** Stable for a pair of channels: unlinking and linking the same pair again keeps the id, so the key keeps order. */
    linkId: uuid,
    change: z.enum(['linked', 'unlinked']),
    slack: linkSides.slack,
    teams: linkSides.teams,
    /** Whether the channels are private: a private Teams channel has its own members, a private Slack channel needs an invite. */
    private: z.boolean(),
    occurredAt: timestamp,
  }),
  key: (p) => p.linkId,
  example: {
    orgId: 'org_3f9a2c1b7d',
    linkId: '3b2a1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d',
    change: 'linked',
    slack: { connectionId: '0d3c2b1a-9f8e-4d7c-8b6a-5f4e3d2c1b0a', channelId: 'C024BE91L' },
    teams: {
      connectionId: '7c6b5a49-3827-4615-9a0b-c1d2e3f4a5b6',
      teamId: '02bd9fd6-8f93-4758-87c3-1fb73740a315',
      channelId: '19:09fc54a3141a45d0bc769cf506d2e079@thread.tacv2',
    },
    private: false,
    occurredAt: '2026-12-05T10:00:00.000Z',
  },
});

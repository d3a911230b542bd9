import type { ChannelLinkView } from '@parley/internal-api';
import { queryReturning } from '@parley/persistence';
import { firstRow, rows, type Sql } from './relay-store';

export interface ChannelLinkRow {
  id: string;
  org_id: string;
  twin_id: string;
  slack_connection_id: string;
  slack_channel_id: string;
  slack_channel_name: string;
  teams_connection_id: string;
  team_id: string;
  teams_channel_id: string;
  teams_channel_name: string;
  private: boolean;
  created_side: 'slack' | 'teams' | null;
  created_at: Date;
  linked_at: Date;
  unlinked_at: Date | null;
}

export interface NewChannelLink {
  readonly id: string;
  readonly orgId: string;
  readonly slack: { readonly connectionId: string; readonly channelId: string; readonly name: string };
  readonly teams: { readonly connectionId: string; readonly teamId: string; readonly channelId: string; readonly displayName: string };
  readonly private: boolean;
  readonly createdSide: 'slack' | 'teams' | null;
  /** The twin's Teams side: `{teamId}/{channelId}` (teamsChannelConversationId). */
  readonly teamsConversationId: string;
}

/** The live link a channel is in, on either side. */
export function liveLinkOf(db: Sql, side: 'slack' | 'teams', connectionId: string, channelId: string, teamId?: string): Promise<ChannelLinkRow | null> {
  return side === 'slack'
    ? firstRow<ChannelLinkRow>(db, `SELECT * FROM relay.channel_links WHERE slack_connection_id = $1 AND slack_channel_id = $2 AND unlinked_at IS NULL`, [
        connectionId,
        channelId,
      ])
    : firstRow<ChannelLinkRow>(
        db,
        `SELECT * FROM relay.channel_links WHERE teams_connection_id = $1 AND team_id = $2 AND teams_channel_id = $3 AND unlinked_at IS NULL`,
        [connectionId, teamId, channelId],
      );
}

/** The live link of a channel as the relay meets it in a message: by its conversation id on the bus. */
export function liveLinkOfConversation(db: Sql, orgId: string, platform: 'slack' | 'teams', conversationId: string): Promise<ChannelLinkRow | null> {
  return firstRow<ChannelLinkRow>(
    db,
    platform === 'slack'
      ? `SELECT l.* FROM relay.channel_links l WHERE l.org_id = $1 AND l.slack_channel_id = $2 AND l.unlinked_at IS NULL`
      : `SELECT l.* FROM relay.channel_links l JOIN relay.twins t ON t.id = l.twin_id
          WHERE l.org_id = $1 AND t.teams_conversation_id = $2 AND l.unlinked_at IS NULL`,
    [orgId, conversationId],
  );
}

/** An unlinked link of exactly this pair, to bring back (same id, same history). */
export function unlinkedPair(db: Sql, orgId: string, link: NewChannelLink): Promise<ChannelLinkRow | null> {
  return firstRow<ChannelLinkRow>(
    db,
    `SELECT * FROM relay.channel_links
      WHERE org_id = $1 AND slack_connection_id = $2 AND slack_channel_id = $3 AND teams_connection_id = $4 AND team_id = $5
        AND teams_channel_id = $6 AND unlinked_at IS NOT NULL
      ORDER BY linked_at DESC LIMIT 1 FOR UPDATE`,
    [orgId, link.slack.connectionId, link.slack.channelId, link.teams.connectionId, link.teams.teamId, link.teams.channelId],
  );
}

export async function relink(db: Sql, linkId: string): Promise<ChannelLinkRow> {
  const [row] = await queryReturning<ChannelLinkRow>(db, `UPDATE relay.channel_links SET unlinked_at = NULL, linked_at = now() WHERE id = $1 RETURNING *`, [linkId]);
  return row as ChannelLinkRow;
}

/** A new link and its twin (kind `channel`, both sides known from the start, no member list: a channel's is its own). */
export async function insertChannelLink(db: Sql, link: NewChannelLink): Promise<ChannelLinkRow> {
  const [twin] = await rows<{ id: string }>(
    db,
    `INSERT INTO relay.twins (org_id, kind, slack_conversation_id, teams_conversation_id, slack_connection_id, teams_connection_id, member_person_ids, member_key)
     VALUES ($1, 'channel', $2, $3, $4, $5, '{}', $6) RETURNING id`,
    [link.orgId, link.slack.channelId, link.teamsConversationId, link.slack.connectionId, link.teams.connectionId, `channel:${link.id}`],
  );
  await db.query(`INSERT INTO relay.lanes (twin_id, platform) VALUES ($1, 'slack'), ($1, 'teams') ON CONFLICT DO NOTHING`, [twin?.id]);
  const [row] = await rows<ChannelLinkRow>(
    db,
    `INSERT INTO relay.channel_links (id, org_id, twin_id, slack_connection_id, slack_channel_id, slack_channel_name, teams_connection_id, team_id,
       teams_channel_id, teams_channel_name, private, created_side)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`,
    [
      link.id,
      link.orgId,
      twin?.id,
      link.slack.connectionId,
      link.slack.channelId,
      link.slack.name,
      link.teams.connectionId,
      link.teams.teamId,
      link.teams.channelId,
      link.teams.displayName,
      link.private,
      link.createdSide,
    ],
  );
  return row as ChannelLinkRow;
}

export function channelLinkView(row: ChannelLinkRow): ChannelLinkView {
  return {
    id: row.id,
    orgId: row.org_id,
    slack: { connectionId: row.slack_connection_id, channelId: row.slack_channel_id, name: row.slack_channel_name },
    teams: { connectionId: row.teams_connection_id, teamId: row.team_id, channelId: row.teams_channel_id, displayName: row.teams_channel_name },
    private: row.private,
    createdSide: row.created_side,
    conversationId: row.twin_id,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/** Marks a live link unlinked; its row and its twin stay, with the messages carried while it lived. */
export async function unlink(db: Sql, linkId: string): Promise<ChannelLinkRow> {
  const [row] = await queryReturning<ChannelLinkRow>(db, `UPDATE relay.channel_links SET unlinked_at = now() WHERE id = $1 RETURNING *`, [linkId]);
  return row as ChannelLinkRow;
}

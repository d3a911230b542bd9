import { teamsChannelConversationId } from '@parley/contracts';
import type { DataSource } from 'typeorm';

/** A Teams channel an admin linked (or unlinked), as teams-connector keeps it: ids and times only. */
export interface LinkedChannel {
  readonly orgId: string;
  readonly connectionId: string;
  readonly teamId: string;
  readonly channelId: string;
  /** The bus's name for it: `{teamId}/{channelId}`. */
  readonly conversationId: string;
  readonly linked: boolean;
  /** When it was (last) linked: what was said before is history, not Parley's to relay. */
  readonly linkedAt: Date;
  /** Catch-up has listed the channel up to here. */
  readonly watermark: Date;
  readonly lastRunAt: Date | null;
  /** Why Graph (or the quota) refused its subscription, until one is made. */
  readonly refusal: string | null;
}

interface Row {
  org_id: string;
  connection_id: string;
  team_id: string;
  channel_id: string;
  linked: boolean;
  linked_at: Date;
  watermark: Date;
  last_run_at: Date | null;
  refusal: string | null;
}

const toChannel = (row: Row): LinkedChannel => ({
  orgId: row.org_id,
  connectionId: row.connection_id,
  teamId: row.team_id,
  channelId: row.channel_id,
  conversationId: teamsChannelConversationId(row.team_id, row.channel_id),
  linked: row.linked,
  linkedAt: new Date(row.linked_at),
  watermark: new Date(row.watermark),
  lastRunAt: row.last_run_at ? new Date(row.last_run_at) : null,
  refusal: row.refusal,
});

export interface LinkChange {
  readonly orgId: string;
  readonly linkId: string;
  readonly connectionId: string;
  readonly teamId: string;
  readonly channelId: string;
  readonly linked: boolean;
  readonly occurredAt: Date;
}

/** teams_connector.linked_channels: which channels are relayed, from when, and how far catch-up has listed them. */
export class LinkedChannels {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Applies a link change unless a newer one was applied already (events of one link come in order, but a replay can
   * bring an old one back). Linking (again) sets the baseline and the watermark to the link's time. True if applied.
   */
  async apply(change: LinkChange): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO teams_connector.linked_channels (connection_id, team_id, channel_id, org_id, link_id, linked, linked_at, changed_at, watermark)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7)
       ON CONFLICT (connection_id, team_id, channel_id) DO UPDATE SET
         org_id = EXCLUDED.org_id, link_id = EXCLUDED.link_id, linked = EXCLUDED.linked, changed_at = EXCLUDED.changed_at, refusal = NULL,
         linked_at = CASE WHEN EXCLUDED.linked AND NOT teams_connector.linked_channels.linked THEN EXCLUDED.linked_at ELSE teams_connector.linked_channels.linked_at END,
         watermark = CASE WHEN EXCLUDED.linked AND NOT teams_connector.linked_channels.linked THEN EXCLUDED.watermark ELSE teams_connector.linked_channels.watermark END
       WHERE teams_connector.linked_channels.changed_at <= EXCLUDED.changed_at
       RETURNING 1`,
      [change.connectionId, change.teamId, change.channelId, change.orgId, change.linkId, change.linked, change.occurredAt],
    );
    return rows.length === 1;
  }

  /** The channel while it is linked; null when it never was or is no longer. */
  async linked(connectionId: string, teamId: string, channelId: string): Promise<LinkedChannel | null> {
    const rows: Row[] = await this.dataSource.query('SELECT * FROM teams_connector.linked_channels WHERE connection_id = $1 AND team_id = $2 AND channel_id = $3 AND linked', [
      connectionId,
      teamId,
      channelId,
    ]);
    return rows[0] ? toChannel(rows[0]) : null;
  }

  async ofConnection(connectionId: string): Promise<LinkedChannel[]> {
    const rows: Row[] = await this.dataSource.query('SELECT * FROM teams_connector.linked_channels WHERE connection_id = $1 AND linked ORDER BY linked_at', [connectionId]);
    return rows.map(toChannel);
  }

  async refused(connectionId: string, teamId: string, channelId: string, refusal: string | null): Promise<void> {
    await this.dataSource.query('UPDATE teams_connector.linked_channels SET refusal = $4 WHERE connection_id = $1 AND team_id = $2 AND channel_id = $3', [connectionId, teamId, channelId, refusal]);
  }

  /** Moves the channel's catch-up watermark (never backwards, never before the link) and stamps the run. */
  async advance(connectionId: string, teamId: string, channelId: string, watermark: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE teams_connector.linked_channels SET watermark = GREATEST(watermark, linked_at, $4), last_run_at = now()
       WHERE connection_id = $1 AND team_id = $2 AND channel_id = $3`,
      [connectionId, teamId, channelId, watermark],
    );
  }

  /** Forgets the channels of connections identity no longer has. */
  async forgetConnectionsExcept(connectionIds: readonly string[]): Promise<void> {
    await this.dataSource.query('DELETE FROM teams_connector.linked_channels WHERE NOT (connection_id = ANY($1::uuid[]))', [connectionIds]);
  }
}

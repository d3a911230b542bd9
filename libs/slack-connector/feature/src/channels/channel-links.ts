import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Payload } from '@parley/contracts';
import { queryReturning } from '@parley/persistence';
import { DATA_SOURCE } from '@parley/service-runtime';
import { SlackIntakePool } from '../events/intake-pool';

type LinkChange = Payload<'parley.channel.link.changed.v1'>;

/**
 * The Slack channels an admin linked (`slack_connector.channel_links`, written here only). Ingress asks it before a
 * channel's message or reaction goes anywhere; the link consumer records each change.
 */
@Injectable()
export class ChannelLinks {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(SlackIntakePool) private readonly intakePool: SlackIntakePool,
  ) {}

  /**
   * Records a change unless a later one of the same link is recorded already (the bus may redeliver an old one).
   * The same change applied again counts as applied, so a retried handler finishes what it started.
   */
  async apply(change: LinkChange): Promise<boolean> {
    const rows = await queryReturning(
      this.dataSource,
      `INSERT INTO slack_connector.channel_links (link_id, org_id, connection_id, channel_id, private, state, changed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (link_id) DO UPDATE SET connection_id = EXCLUDED.connection_id, channel_id = EXCLUDED.channel_id, private = EXCLUDED.private,
         state = EXCLUDED.state, changed_at = EXCLUDED.changed_at, updated_at = now()
       WHERE slack_connector.channel_links.changed_at <= EXCLUDED.changed_at
       RETURNING link_id`,
      [change.linkId, change.orgId, change.slack.connectionId, change.slack.channelId, change.private, change.change, change.occurredAt],
    );
    return rows.length > 0;
  }

  async markJoined(linkId: string): Promise<void> {
    await this.dataSource.query(`UPDATE slack_connector.channel_links SET joined_at = now() WHERE link_id = $1`, [linkId]);
  }

  /** Whether Parley relays this channel of this connection now. */
  isLinked(connectionId: string, channelId: string): Promise<boolean> {
    return linked(this.dataSource, connectionId, channelId);
  }

  /** The same, asked by the Events API endpoint before its 200: through the intake's own connections (ADR 0052). */
  isLinkedAtIntake(connectionId: string, channelId: string): Promise<boolean> {
    return linked(this.intakePool.dataSource, connectionId, channelId);
  }
}

async function linked(dataSource: DataSource, connectionId: string, channelId: string): Promise<boolean> {
  const rows: unknown[] = await dataSource.query(
    `SELECT 1 FROM slack_connector.channel_links WHERE connection_id = $1 AND channel_id = $2 AND state = 'linked' LIMIT 1`,
    [connectionId, channelId],
  );
  return rows.length > 0;
}

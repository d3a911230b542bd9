import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { WebAPICallResult } from '@slack/web-api';
import type { Payload } from '@parley/contracts';
import type { Logger } from '@parley/observability';
import { inTransaction } from '@parley/persistence';
import { DATA_SOURCE, LOGGER } from '@parley/service-runtime';
import { SlackApiError } from '@parley/slack-connector-slack-access';
import { SlackClients } from '../connections/slack-clients';
import { ConnectionNotFoundError, NotASlackConnectionError, SlackConnections } from '../connections/slack-connections';
import { PostedMessages } from '../delivery/posted-messages';
import { findPostById, NOTICE_METADATA_TYPE } from '../delivery/read-back';
import { noticeText } from './notice-text';

type NoticeRequest = Payload<'parley.slack.notice.requested.v1'>;

/**
 * Posts a notice from the app in its DM with the person. Idempotent on noticeId: a posted notice is recorded, and an
 * attempt whose outcome is unknown is looked for in the DM (its metadata carries the notice id) before posting again.
 */
@Injectable()
export class NoticePoster {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly connections: SlackConnections,
    private readonly clients: SlackClients,
    private readonly posted: PostedMessages,
  ) {}

  async post(request: NoticeRequest): Promise<void> {
    const log = this.logger.child({ noticeId: request.noticeId, orgId: request.orgId, reason: request.reason });
    const rows: { state: string; attempts: number; updated_at: Date }[] = await this.dataSource.query(
      'SELECT state, attempts, updated_at FROM slack_connector.notices WHERE notice_id = $1',
      [request.noticeId],
    );
    const earlier = rows[0];
    if (earlier?.state === 'posted') return log.info('notice already posted');
    let connection;
    try {
      connection = await this.connections.withTokens(request.orgId, request.connectionId);
    } catch (error) {
      if (error instanceof ConnectionNotFoundError || error instanceof NotASlackConnectionError) return log.warn({ err: error }, 'notice dropped: no such Slack connection');
      throw error;
    }
    const bot = this.clients.webApiFor(connection);
    const teamId = connection.settings.teamId;
    try {
      const opened = await bot.call<WebAPICallResult & { channel?: { id?: string } }>('conversations.open', { users: request.recipientPlatformUserId });
      const channel = opened.channel?.id;
      if (!channel) throw new Error('conversations.open answered without a channel id');
      let ts = earlier ? await findPostById(bot, { channel, eventType: NOTICE_METADATA_TYPE, idField: 'notice_id', id: request.noticeId, since: earlier.updated_at }) : undefined;
      if (!ts) {
        await this.dataSource.query(
          `INSERT INTO slack_connector.notices (notice_id, org_id, team_id, state, channel_id, attempts) VALUES ($1, $2, $3, 'attempting', $4, 1)
           ON CONFLICT (notice_id) DO UPDATE SET attempts = slack_connector.notices.attempts + 1, channel_id = EXCLUDED.channel_id, updated_at = now()`,
          [request.noticeId, request.orgId, teamId, channel],
        );
        const answer = await bot.call<WebAPICallResult & { ts?: string }>('chat.postMessage', {
          channel,
          text: noticeText(request.text, request.link),
          metadata: { event_type: NOTICE_METADATA_TYPE, event_payload: { notice_id: request.noticeId } },
          unfurl_links: false,
          unfurl_media: false,
        });
        ts = answer.ts;
      }
      if (!ts) throw new Error('chat.postMessage answered without a ts');
      const postedTs = ts;
      await inTransaction(this.dataSource, async (manager) => {
        await manager.query(
          `INSERT INTO slack_connector.notices (notice_id, org_id, team_id, state, channel_id, ts, attempts) VALUES ($1, $2, $3, 'posted', $4, $5, 1)
           ON CONFLICT (notice_id) DO UPDATE SET state = 'posted', ts = EXCLUDED.ts, channel_id = EXCLUDED.channel_id, updated_at = now()`,
          [request.noticeId, request.orgId, teamId, channel, postedTs],
        );
        await this.posted.record(manager, { teamId, channelId: channel, ts: postedTs, deliveryId: request.noticeId, kind: 'notice', recipient: request.recipientPlatformUserId });
      });
      log.info({ channel, ts: postedTs }, 'notice posted');
    } catch (error) {
      // A refusal (the person left, the app lacks im:write) cannot be fixed by retrying: logged for an admin.
      if (error instanceof SlackApiError) return log.warn({ code: error.code }, 'Slack refused the notice');
      throw error;
    }
  }
}

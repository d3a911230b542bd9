import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Payload, PayloadIn } from '@parley/contracts';
import type { Logger } from '@parley/observability';
import { inTransaction, type Outbox, queryReturning } from '@parley/persistence';
import { DATA_SOURCE, LOGGER, OUTBOX } from '@parley/service-runtime';
import { retryAfterWaitMs, SlackApiError, SlackRateLimitedError, TOKEN_REFUSED_CODES } from '@parley/slack-connector-slack-access';
import { SlackClients } from '../connections/slack-clients';
import { ConnectionNotFoundError, NotASlackConnectionError, SlackConnections, type SlackConnection } from '../connections/slack-connections';
import { SlackUserTokens } from '../connections/slack-user-tokens';
import { inviteIntoChannel, InviteRefused } from './channel-invite';

type ReactionRequest = Payload<'parley.slack.reaction.deliver.requested.v1'>;
type Outcome = PayloadIn<'parley.reaction.delivered.v1'>['outcome'];

/** Slack's answers that mean the change is already made: a retried add, or a remove of a reaction already gone. */
const ALREADY_DONE = new Set(['already_reacted', 'no_reaction']);

/**
 * Carries parley.slack.reaction.deliver.requested.v1 to Slack with the reacting person's user token (reactions.add /
 * reactions.remove). A bot can react only as itself, so without the person's token nothing is made and the outcome is
 * `unvoiced` (ADR 0032). The change is recorded before the call, so the reaction_added/removed event it causes is
 * known as Parley's echo. In a linked channel the person is not in, the app adds them first (their token reacts only
 * where they are a member). Adding twice or removing what is gone is done already; other refusals fail with Slack's code;
 * a 429 waits, never drops; anything transient is thrown for the bus to retry.
 */
@Injectable()
export class ReactionDelivery {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly connections: SlackConnections,
    private readonly clients: SlackClients,
    private readonly userTokens: SlackUserTokens,
  ) {}

  async deliver(request: ReactionRequest): Promise<void> {
    const log = this.logger.child({ deliveryId: request.deliveryId, orgId: request.orgId, change: request.change });
    await this.dataSource.query(`INSERT INTO slack_connector.reaction_deliveries (delivery_id, org_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [request.deliveryId, request.orgId]);
    const [row] = (await this.dataSource.query(`SELECT completed_at FROM slack_connector.reaction_deliveries WHERE delivery_id = $1`, [request.deliveryId])) as { completed_at: Date | null }[];
    if (row?.completed_at) {
      log.info('reaction already made; its outcome was published then');
      return;
    }
    let connection: SlackConnection;
    try {
      connection = await this.connections.withReusedTokens(request.orgId, request.connectionId);
    } catch (error) {
      if (error instanceof ConnectionNotFoundError || error instanceof NotASlackConnectionError) return this.finish(request, 'failed', error.message, log);
      throw error;
    }
    const user = await this.userTokens.of(request.orgId, request.connectionId, { personId: request.reactorPersonId });
    if (!user) return this.finish(request, 'unvoiced', 'not carried: the person who reacted has not given Parley their Slack consent', log);
    const api = this.clients.webApi(connection.settings.apiUrl, user.token, connection.settings.teamId);
    const change = request.change === 'add' ? 'added' : 'removed';
    await this.dataSource.query(
      `INSERT INTO slack_connector.made_reactions (team_id, channel_id, message_ts, user_id, reaction, change) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (team_id, channel_id, message_ts, user_id, reaction, change) DO UPDATE SET made_at = now()`,
      [connection.settings.teamId, request.conversationId, request.targetMessageId, user.slackUserId, request.reaction, change],
    );
    const method = request.change === 'add' ? 'reactions.add' : 'reactions.remove';
    let invited = false;
    for (let consecutive = 1; ; consecutive++) {
      try {
        await api.call(method, { channel: request.conversationId, timestamp: request.targetMessageId, name: request.reaction });
        return this.finish(request, 'delivered', undefined, log);
      } catch (error) {
        if (error instanceof SlackRateLimitedError) {
          const waitMs = retryAfterWaitMs(error.retryAfterSeconds, this.clients.pacer.limits.timeScale, consecutive);
          log.warn({ waitMs, consecutive }, 'Slack still rate limits this reaction; waiting, never dropping');
          await new Promise((resolve) => setTimeout(resolve, waitMs));
          continue;
        }
        if (!(error instanceof SlackApiError)) throw error;
        if (ALREADY_DONE.has(error.code)) return this.finish(request, 'delivered', undefined, log);
        if (error.code === 'not_in_channel' && request.change === 'add' && !invited) {
          invited = true;
          try {
            await inviteIntoChannel(this.clients.webApiFor(connection), request.conversationId, user.slackUserId);
            log.info({ channel: request.conversationId }, "the reacting person's Slack account was added to the linked channel");
            continue;
          } catch (inviteError) {
            if (inviteError instanceof InviteRefused) return this.finish(request, 'failed', `not_in_channel (the app could not add them: ${inviteError.code})`, log);
            throw inviteError;
          }
        }
        if (TOKEN_REFUSED_CODES.has(error.code)) {
          this.userTokens.forget(request.orgId, request.connectionId, { personId: request.reactorPersonId });
          return this.finish(request, 'unvoiced', `not carried: Slack refused the token of the person who reacted (${error.code})`, log);
        }
        return this.finish(request, 'failed', error.code, log);
      }
    }
  }

  private async finish(request: ReactionRequest, outcome: Outcome, reason: string | undefined, log: Logger): Promise<void> {
    await inTransaction(this.dataSource, async (manager) => {
      const done = await queryReturning(
        manager,
        `UPDATE slack_connector.reaction_deliveries SET outcome = $2, completed_at = now() WHERE delivery_id = $1 AND completed_at IS NULL RETURNING delivery_id`,
        [request.deliveryId, outcome],
      );
      if (done.length === 0) return;
      await this.outbox.enqueue(manager, 'parley.reaction.delivered.v1', {
        orgId: request.orgId,
        deliveryId: request.deliveryId,
        conversation: { platform: 'slack', conversationId: request.conversationId },
        outcome,
        ...(reason ? { reason: reason.slice(0, 2000) } : {}),
        deliveredAt: new Date().toISOString(),
      });
    });
    if (outcome === 'delivered') log.info({ channel: request.conversationId, ts: request.targetMessageId }, 'reaction made on Slack');
    else log.warn({ outcome, reason }, 'reaction not made on Slack');
  }
}

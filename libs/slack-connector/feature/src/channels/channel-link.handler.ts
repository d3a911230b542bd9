import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import type { Payload } from '@parley/contracts';
import type { Logger } from '@parley/observability';
import { LOGGER } from '@parley/service-runtime';
import { ConnectionNotFoundError, NotASlackConnectionError, SlackConnections } from '../connections/slack-connections';
import { ChannelLinks } from './channel-links';
import { SlackChannels } from './slack-channels';

/**
 * The relay linked or unlinked a Slack channel with a Teams one. `linked`: the channel is recorded (ingress starts
 * relaying it) and the bot joins it when it is public; a private channel has the app in it already (the relay links
 * one only when `appIsMember`). `unlinked`: recorded, so ingress stops relaying at once. The bot stays in the channel:
 * leaving is the admin's call on Slack, and a link made again needs no new join.
 */
@Controller()
export class ChannelLinkHandler {
  constructor(
    private readonly links: ChannelLinks,
    private readonly channels: SlackChannels,
    private readonly connections: SlackConnections,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern('parley.channel.link.changed.v1')
  async onLinkChanged(@MessagePayload() change: Payload<'parley.channel.link.changed.v1'>): Promise<void> {
    const log = this.logger.child({ orgId: change.orgId, linkId: change.linkId, channel: change.slack.channelId, change: change.change });
    if (!(await this.links.apply(change))) {
      log.info('an older channel link change; a later one is recorded already');
      return;
    }
    if (change.change === 'unlinked') {
      log.info('Slack channel unlinked; its messages are no longer relayed');
      return;
    }
    if (change.private) {
      log.info('private Slack channel linked; the app is in it already');
      return;
    }
    let connection;
    try {
      connection = await this.connections.withReusedTokens(change.orgId, change.slack.connectionId);
    } catch (error) {
      if (error instanceof ConnectionNotFoundError || error instanceof NotASlackConnectionError) return log.error({ reason: error.message }, 'Slack channel linked, but its connection is gone: nothing joined');
      throw error;
    }
    const joined = await this.channels.join(connection, change.slack.channelId);
    if (typeof joined === 'object') {
      // No retry fixes an archived or deleted channel or a missing scope: an admin has to act on Slack.
      log.error({ reason: joined.refused }, 'Slack refused to let the app join the linked channel; its messages cannot be heard until it is in it');
      return;
    }
    await this.links.markJoined(change.linkId);
    log.info({ joined }, 'Slack channel linked; the app is in it');
  }
}

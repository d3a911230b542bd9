import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import type { Payload } from '@parley/contracts';
import type { Logger } from '@parley/observability';
import { LOGGER } from '@parley/service-runtime';
import { SubscriptionManager } from '../ingress/subscription-manager';
import { LinkedChannels } from './linked-channels';

/**
 * parley.channel.link.changed.v1: the relay linked a Teams channel with a Slack one, or unlinked them. The change is
 * recorded (ids only; linking sets the baseline: what was said before is not relayed) and the subscription manager is
 * poked: the replica holding the connection's lease makes the channel's subscription, or deletes it, at once.
 */
@Controller()
export class ChannelLinkHandler {
  constructor(
    @Inject(LinkedChannels) private readonly channels: LinkedChannels,
    @Inject(SubscriptionManager) private readonly manager: SubscriptionManager,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern('parley.channel.link.changed.v1')
  async onLinkChanged(@MessagePayload() event: Payload<'parley.channel.link.changed.v1'>): Promise<void> {
    const applied = await this.channels.apply({
      orgId: event.orgId,
      linkId: event.linkId,
      connectionId: event.teams.connectionId,
      teamId: event.teams.teamId,
      channelId: event.teams.channelId,
      linked: event.change === 'linked',
      occurredAt: new Date(event.occurredAt),
    });
    this.logger.info({ linkId: event.linkId, change: event.change, connectionId: event.teams.connectionId, applied }, applied ? 'Teams channel link change recorded' : 'Teams channel link change older than the one recorded; ignored');
    if (applied) this.manager.poke();
  }
}

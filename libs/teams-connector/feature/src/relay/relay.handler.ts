import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import type { Payload } from '@parley/contracts';
import type { Logger } from '@parley/observability';
import { LOGGER } from '@parley/service-runtime';
import { MessageDeliverer } from './message-deliverer';
import { NoticePoster } from './notice-poster';

/**
 * What the relay asks of Teams. Deliveries are keyed by their target chat, so one chat's deliveries run in order and
 * one at a time while other chats proceed (ADR 0012); a chat waiting for its pacing window holds only its own lane.
 */
@Controller()
export class TeamsRelayHandler {
  constructor(
    @Inject(MessageDeliverer) private readonly deliverer: MessageDeliverer,
    @Inject(NoticePoster) private readonly notices: NoticePoster,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern('parley.teams.message.deliver.requested.v1')
  async onDeliverRequested(@MessagePayload() command: Payload<'parley.teams.message.deliver.requested.v1'>): Promise<void> {
    const outcome = await this.deliverer.deliver(command);
    if (outcome === 'duplicate') this.logger.info({ deliveryId: command.deliveryId }, 'teams delivery already finished, skipping');
  }

  /** A create with files (ADR 0039): the same delivery, the files carried with it, answered on delivered.v2. */
  @EventPattern('parley.teams.message.deliver.requested.v2')
  async onDeliverRequestedWithFiles(@MessagePayload() command: Payload<'parley.teams.message.deliver.requested.v2'>): Promise<void> {
    const outcome = await this.deliverer.deliver(command);
    if (outcome === 'duplicate') this.logger.info({ deliveryId: command.deliveryId }, 'teams delivery already finished, skipping');
  }

  @EventPattern('parley.teams.notice.requested.v1')
  async onNoticeRequested(@MessagePayload() notice: Payload<'parley.teams.notice.requested.v1'>): Promise<void> {
    const outcome = await this.notices.post(notice);
    if (outcome === 'duplicate') this.logger.info({ noticeId: notice.noticeId }, 'teams notice already posted, skipping');
  }
}

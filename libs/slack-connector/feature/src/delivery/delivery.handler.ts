import { Controller } from '@nestjs/common';
import { EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import type { Payload } from '@parley/contracts';
import { MessageDelivery } from './message-delivery';

/**
 * The relay's deliveries to Slack. The bus hands one message per key at a time, and the key is the target
 * conversation, so one delivery is in flight per conversation (relay.md, Order).
 */
@Controller()
export class DeliveryHandler {
  constructor(private readonly delivery: MessageDelivery) {}

  @EventPattern('parley.slack.message.deliver.requested.v1')
  async onDeliverRequested(@MessagePayload() request: Payload<'parley.slack.message.deliver.requested.v1'>): Promise<void> {
    await this.delivery.deliver(request);
  }

  /** A create with files to carry (ADR 0039); answered with parley.message.delivered.v2. */
  @EventPattern('parley.slack.message.deliver.requested.v2')
  async onDeliverRequestedWithFiles(@MessagePayload() request: Payload<'parley.slack.message.deliver.requested.v2'>): Promise<void> {
    await this.delivery.deliver(request);
  }
}

import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import type { Payload } from '@parley/contracts';
import type { MessageContext } from '@parley/messaging';
import { DeliveryOutcomes } from './delivery-outcomes';
import { MessageRelay } from './message-relay';

/**
 * The relay's inputs on the bus (consumer group `relay`). Messages of one source conversation share a key, so they
 * arrive in order; outcomes share the target conversation's key.
 */
@Controller()
export class RelayEventsHandler {
  constructor(
    @Inject(MessageRelay) private readonly relay: MessageRelay,
    @Inject(DeliveryOutcomes) private readonly outcomes: DeliveryOutcomes,
  ) {}

  @EventPattern('parley.message.received.v1')
  async onReceived(@MessagePayload() event: Payload<'parley.message.received.v1'>): Promise<void> {
    await this.relay.receive(event);
  }

  /** v1 plus files (ADR 0039): a connector that speaks v2 publishes every message here. */
  @EventPattern('parley.message.received.v2')
  async onReceivedV2(@MessagePayload() event: Payload<'parley.message.received.v2'>): Promise<void> {
    await this.relay.receive(event);
  }

  @EventPattern('parley.message.delivered.v1')
  async onDelivered(@MessagePayload() event: Payload<'parley.message.delivered.v1'>, @Ctx() ctx: MessageContext): Promise<void> {
    await this.outcomes.record(event, ctx.eventId);
  }

  /** The outcome of a delivery with files: v1's plus the files that did not make it. */
  @EventPattern('parley.message.delivered.v2')
  async onDeliveredV2(@MessagePayload() event: Payload<'parley.message.delivered.v2'>, @Ctx() ctx: MessageContext): Promise<void> {
    await this.outcomes.record(event, ctx.eventId);
  }
}

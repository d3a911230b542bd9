import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import type { Payload } from '@parley/contracts';
import type { MessageContext } from '@parley/messaging';
import { ReactionRelay } from './reaction-relay';

/** Reactions on the bus (consumer group `relay`): what a connector saw, and how a change it was asked for went. */
@Controller()
export class ReactionEventsHandler {
  constructor(@Inject(ReactionRelay) private readonly reactions: ReactionRelay) {}

  @EventPattern('parley.reaction.observed.v1')
  async onObserved(@MessagePayload() event: Payload<'parley.reaction.observed.v1'>): Promise<void> {
    await this.reactions.observe(event);
  }

  @EventPattern('parley.reaction.delivered.v1')
  async onDelivered(@MessagePayload() event: Payload<'parley.reaction.delivered.v1'>, @Ctx() ctx: MessageContext): Promise<void> {
    await this.reactions.record(event, ctx.eventId);
  }
}

import { Controller } from '@nestjs/common';
import { EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import type { Payload } from '@parley/contracts';
import { ReactionDelivery } from './reaction-delivery';

/** Reaction changes the relay asks of Slack, keyed by their conversation, so one conversation's changes go in order. */
@Controller()
export class ReactionHandler {
  constructor(private readonly delivery: ReactionDelivery) {}

  @EventPattern('parley.slack.reaction.deliver.requested.v1')
  async onReactionRequested(@MessagePayload() request: Payload<'parley.slack.reaction.deliver.requested.v1'>): Promise<void> {
    await this.delivery.deliver(request);
  }
}

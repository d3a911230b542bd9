import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import type { Payload } from '@parley/contracts';
import type { Logger } from '@parley/observability';
import { LOGGER } from '@parley/service-runtime';
import { ReactionDeliverer } from './reaction-deliverer';

/** Reaction changes the relay asks of Teams, keyed by their chat, so one chat's changes are made in order (ADR 0032). */
@Controller()
export class TeamsReactionHandler {
  constructor(
    @Inject(ReactionDeliverer) private readonly deliverer: ReactionDeliverer,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern('parley.teams.reaction.deliver.requested.v1')
  async onReactionRequested(@MessagePayload() command: Payload<'parley.teams.reaction.deliver.requested.v1'>): Promise<void> {
    const outcome = await this.deliverer.deliver(command);
    if (outcome === 'duplicate') this.logger.info({ deliveryId: command.deliveryId }, 'teams reaction already made, skipping');
  }
}

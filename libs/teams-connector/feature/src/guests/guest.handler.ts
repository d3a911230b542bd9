import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import type { Payload } from '@parley/contracts';
import type { MessageContext } from '@parley/messaging';
import type { Logger } from '@parley/observability';
import { LOGGER } from '@parley/service-runtime';
import { GuestProvisioner } from './guest-provisioner';

/**
 * Guest commands from provisioning. Each person's commands share a partition key, so one person's steps never run
 * concurrently, while different people run on as many partitions as the bus consumes at once.
 */
@Controller()
export class GuestHandler {
  constructor(
    @Inject(GuestProvisioner) private readonly guests: GuestProvisioner,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern('parley.teams.guest.create.requested.v1')
  async onCreateRequested(@MessagePayload() command: Payload<'parley.teams.guest.create.requested.v1'>, @Ctx() ctx: MessageContext): Promise<void> {
    const outcome = await this.guests.create(command, ctx.eventId);
    if (outcome === 'duplicate') this.logger.info({ personId: command.personId }, 'guest command already handled, skipping');
  }

  @EventPattern('parley.teams.guest.disable.requested.v1')
  async onDisableRequested(@MessagePayload() command: Payload<'parley.teams.guest.disable.requested.v1'>, @Ctx() ctx: MessageContext): Promise<void> {
    const outcome = await this.guests.disable(command, ctx.eventId);
    if (outcome === 'duplicate') this.logger.info({ personId: command.personId }, 'guest disable already handled, skipping');
  }
}

import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import type { Payload } from '@parley/contracts';
import type { MessageContext } from '@parley/messaging';
import { MirrorService } from './mirror-service';

@Controller()
export class MirrorHandler {
  constructor(private readonly mirrors: MirrorService) {}

  @EventPattern('parley.slack.mirror.create.requested.v1')
  async onCreateRequested(@MessagePayload() request: Payload<'parley.slack.mirror.create.requested.v1'>, @Ctx() ctx: MessageContext): Promise<void> {
    await this.mirrors.create(request, ctx.eventId);
  }

  @EventPattern('parley.slack.mirror.deactivate.requested.v1')
  async onDeactivateRequested(@MessagePayload() request: Payload<'parley.slack.mirror.deactivate.requested.v1'>, @Ctx() ctx: MessageContext): Promise<void> {
    await this.mirrors.deactivate(request, ctx.eventId);
  }
}

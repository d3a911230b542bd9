import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import type { Payload } from '@parley/contracts';
import type { MessageContext } from '@parley/messaging';
import { DirectoryImporter } from './directory-importer';

@Controller()
export class DirectoryImportHandler {
  constructor(private readonly importer: DirectoryImporter) {}

  @EventPattern('parley.slack.directory.import.requested.v1')
  async onImportRequested(@MessagePayload() request: Payload<'parley.slack.directory.import.requested.v1'>, @Ctx() ctx: MessageContext): Promise<void> {
    await this.importer.run(request, ctx.eventId);
  }
}

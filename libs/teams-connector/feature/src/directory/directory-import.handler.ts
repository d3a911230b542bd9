import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import type { Payload } from '@parley/contracts';
import type { MessageContext } from '@parley/messaging';
import type { Logger } from '@parley/observability';
import { LOGGER } from '@parley/service-runtime';
import { DirectoryImporter } from './directory-importer';

/** parley.teams.directory.import.requested.v1 -> observations + completed (or failed), through the outbox. */
@Controller()
export class DirectoryImportHandler {
  constructor(
    @Inject(DirectoryImporter) private readonly importer: DirectoryImporter,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern('parley.teams.directory.import.requested.v1')
  async onImportRequested(@MessagePayload() command: Payload<'parley.teams.directory.import.requested.v1'>, @Ctx() ctx: MessageContext): Promise<void> {
    const outcome = await this.importer.handle(command, ctx.eventId);
    if (outcome.kind === 'duplicate') this.logger.info({ syncId: command.syncId }, 'directory import already done, skipping');
  }
}

import { Controller, Inject, StreamableFile, UseGuards } from '@nestjs/common';
import { internalRoutes, type RouteParams } from '@parley/internal-api';
import { InternalAuthGuard, InternalRoute, RouteParams as Params } from '@parley/service-runtime';
import { TeamsFileContent } from './file-content';

const routes = internalRoutes['teams-connector'];

/** slack-connector -> teams-connector, posting a message with files from Teams: a file's bytes, streamed from Graph. */
@Controller()
@UseGuards(InternalAuthGuard)
export class FilesController {
  constructor(@Inject(TeamsFileContent) private readonly files: TeamsFileContent) {}

  @InternalRoute(routes.fileContent)
  async fileContent(@Params(routes.fileContent) { orgId, connectionId, ref }: RouteParams<typeof routes.fileContent>): Promise<StreamableFile> {
    const file = await this.files.open(orgId, connectionId, ref);
    // Nest pipes the stream to the response and destroys it when the caller goes away.
    return new StreamableFile(file.body, { type: file.contentType, ...(file.contentLength !== undefined ? { length: file.contentLength } : {}) });
  }
}

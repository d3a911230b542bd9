import { Controller, HttpCode, StreamableFile, UseGuards } from '@nestjs/common';
import { internalRoutes, type RouteParams as Params } from '@parley/internal-api';
import { InternalAuthGuard, InternalRoute, ProblemException, RouteParams } from '@parley/service-runtime';
import { asProblem } from '../channels/channels.controller';
import { FileGoneError, SlackFileContent } from './slack-file-content';

const routes = internalRoutes['slack-connector'];

/** teams-connector -> slack-connector, posting a message with files from Slack (ADR 0039): a file's bytes, streamed from Slack. */
@Controller()
@UseGuards(InternalAuthGuard)
export class FilesController {
  constructor(private readonly files: SlackFileContent) {}

  // The table gives this route no response schema, which makes its status 204, and a 204 carries no body: the bytes
  // need a 200. (Applied after @InternalRoute, so it wins; the table should say `status: 200`.)
  @HttpCode(200)
  @InternalRoute(routes.fileContent)
  async fileContent(@RouteParams(routes.fileContent) { orgId, connectionId, ref }: Params<typeof routes.fileContent>): Promise<StreamableFile> {
    try {
      const file = await this.files.open(orgId, connectionId, ref);
      // Nest pipes the stream to the answer and destroys it when the caller goes away.
      return new StreamableFile(file.body, { type: file.contentType, ...(file.contentLength !== undefined ? { length: file.contentLength } : {}) });
    } catch (error) {
      if (error instanceof FileGoneError) throw new ProblemException(404, `${error.message}.`);
      throw asProblem(error);
    }
  }
}

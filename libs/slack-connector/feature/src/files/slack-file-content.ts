import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { request } from 'undici';
import type { Secret } from '@parley/config';
import type { Logger } from '@parley/observability';
import { LOGGER } from '@parley/service-runtime';
import { SlackApiError, SlackUnavailableError, TOKEN_REFUSED_CODES } from '@parley/slack-connector-slack-access';
import type { WebAPICallResult } from '@slack/web-api';
import { SLACK_CONNECTOR_CONFIG, type SlackConnectorConfig } from '../config';
import { SlackClients } from '../connections/slack-clients';
import { SlackConnections } from '../connections/slack-connections';
import { SlackUserTokens } from '../connections/slack-user-tokens';
import { isTrustedFileUrl, parseFileRef } from './file-ref';

/** A Slack file on its way out: its bytes as they arrive from Slack, never held whole. */
export interface SlackFileStream {
  readonly body: Readable;
  readonly contentType: string;
  readonly contentLength?: number;
}

/** The handle names no file this connection's tokens can read any more (unknown, deleted, or no longer visible). */
export class FileGoneError extends Error {
  constructor(readonly ref: string, reason: string) {
    super(`the Slack file ${ref} cannot be read: ${reason}`);
    this.name = 'FileGoneError';
  }
}

type FilesInfo = WebAPICallResult & { file?: { mimetype?: string; url_private_download?: string; url_private?: string; size?: number } };
const GONE = new Set(['file_not_found', 'file_deleted']);

/**
 * Serves `fileContent` (ADR 0039, 0040): files.info with the token of the installation that saw the file (the bot, or
 * the person whose installation brought the event), then a GET of its url_private_download with that token as a
 * bearer, the answer streamed through. A person whose consent is gone is replaced by the bot, which reads what it is in.
 */
@Injectable()
export class SlackFileContent {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SLACK_CONNECTOR_CONFIG) private readonly config: SlackConnectorConfig,
    private readonly connections: SlackConnections,
    private readonly clients: SlackClients,
    private readonly userTokens: SlackUserTokens,
  ) {}

  async open(orgId: string, connectionId: string, refValue: string): Promise<SlackFileStream> {
    const ref = parseFileRef(refValue);
    if (!ref) throw new FileGoneError(refValue, 'not a handle slack-connector made');
    const connection = await this.connections.withReusedTokens(orgId, connectionId);
    const apiUrl = connection.settings.apiUrl;
    const subject = ref.readerUserId ? { slackUserId: ref.readerUserId } : undefined;
    const person = subject ? await this.userTokens.of(orgId, connectionId, subject) : undefined;
    let token: Secret = person?.token ?? connection.botToken;
    const describe = () => this.clients.webApi(apiUrl, token, connection.settings.teamId).call<FilesInfo>('files.info', { file: ref.fileId });
    let info: FilesInfo;
    try {
      try {
        info = await describe();
      } catch (error) {
        // The person's token is no longer taken (revoked, uninstalled): the bot reads what it can see.
        if (!(person && subject && error instanceof SlackApiError && TOKEN_REFUSED_CODES.has(error.code))) throw error;
        this.userTokens.forget(orgId, connectionId, subject);
        token = connection.botToken;
        info = await describe();
      }
    } catch (error) {
      if (error instanceof SlackApiError && GONE.has(error.code)) throw new FileGoneError(refValue, `Slack answered ${error.code}`);
      throw error;
    }
    const url = info.file?.url_private_download ?? info.file?.url_private;
    if (!url) throw new FileGoneError(refValue, 'Slack gave no download URL (an external or tombstoned file)');
    if (!isTrustedFileUrl(url, apiUrl)) throw new SlackUnavailableError(`Slack named a file URL outside Slack (${new URL(url).host}); not sending a token there`);
    const answer = await request(url, {
      method: 'GET',
      headers: { authorization: `Bearer ${token.reveal()}` },
      headersTimeout: this.config.httpTimeoutMs,
    });
    if (answer.statusCode === 404 || answer.statusCode === 410) {
      answer.body.destroy();
      throw new FileGoneError(refValue, `Slack answered HTTP ${answer.statusCode} for its bytes`);
    }
    const contentType = header(answer.headers['content-type']) ?? info.file?.mimetype ?? 'application/octet-stream';
    // A token Slack does not take for files gets its sign-in page with 200, not an error: never pass that on as the file.
    const signInPage = answer.statusCode === 200 && contentType.startsWith('text/html') && !(info.file?.mimetype ?? '').startsWith('text/html');
    if (answer.statusCode !== 200 || signInPage) {
      answer.body.destroy();
      this.logger.warn({ orgId, connectionId, fileId: ref.fileId, status: answer.statusCode, signInPage }, 'Slack did not hand over a file files.info described');
      throw new SlackUnavailableError(signInPage ? 'Slack answered its sign-in page instead of the file' : `Slack answered HTTP ${answer.statusCode} for a file`, answer.statusCode);
    }
    const length = Number(header(answer.headers['content-length']));
    return { body: answer.body, contentType, ...(Number.isFinite(length) ? { contentLength: length } : {}) };
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

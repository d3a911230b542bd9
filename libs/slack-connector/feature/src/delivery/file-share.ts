import { Inject, Injectable } from '@nestjs/common';
import { request as httpRequest } from 'undici';
import type { WebAPICallResult } from '@slack/web-api';
import type { Payload } from '@parley/contracts';
import { InternalApiError, internalRoutes } from '@parley/internal-api';
import type { Logger } from '@parley/observability';
import { INTERNAL_API, LOGGER, type InternalApiAccess } from '@parley/service-runtime';
import { SlackApiError, TOKEN_REFUSED_CODES, type SlackWebApi } from '@parley/slack-connector-slack-access';
import { SLACK_CONNECTOR_CONFIG, type SlackConnectorConfig } from '../config';
import type { FileNotCarried } from './deliveries';

type SharedFile = Payload<'parley.slack.message.deliver.requested.v2'>['files'][number];
type FilesFrom = Payload<'parley.slack.message.deliver.requested.v2'>['filesFrom'];

/** Files uploaded to Slack, not yet shared: what files.completeUploadExternal takes. */
export interface Uploaded {
  readonly files: readonly { id: string; title: string }[];
  readonly notCarried: readonly FileNotCarried[];
}

/** files.info's `shares`: per conversation, the messages that share the file. */
type Shares = Record<string, Record<string, Array<{ ts?: string; thread_ts?: string }>>>;

/** How long a share may take to show after files.completeUploadExternal (Slack shares asynchronously). */
const SHARE_WAIT_MS = 10_000;
const SHARE_POLL_MS = 250;

/**
 * Carries a message's files into Slack (ADR 0039, 0040): each file's bytes are streamed from the source connector's
 * `fileContent` route straight into the upload URL files.getUploadURLExternal gives (never held whole), then shared
 * in one files.completeUploadExternal. A file the source no longer has, or that Slack refuses, is left out with the
 * reason; the rest go on. A share carries no metadata, so its message is found by reading the file back (files.info
 * `shares`), which is also how a retry recognises an upload of its own.
 */
@Injectable()
export class FileShare {
  constructor(
    @Inject(INTERNAL_API) private readonly internalApi: InternalApiAccess,
    @Inject(SLACK_CONNECTOR_CONFIG) private readonly config: SlackConnectorConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Uploads each file with `api`'s token (the sender's, or the app's); `paced` waits out 429s of the Slack calls. */
  async upload(api: SlackWebApi, orgId: string, from: FilesFrom, files: readonly SharedFile[], paced: <T>(run: () => Promise<T>) => Promise<T>): Promise<Uploaded> {
    const uploaded: { id: string; title: string }[] = [];
    const notCarried: FileNotCarried[] = [];
    for (const file of files) {
      const refused = await this.uploadOne(api, orgId, from, file, paced).then(
        (id) => {
          uploaded.push({ id, title: file.name });
          return undefined;
        },
        (error: unknown) => refusal(error, from),
      );
      if (refused) {
        this.logger.warn({ orgId, ref: file.ref, reason: refused }, 'a file of the message is not carried to Slack');
        notCarried.push({ ref: file.ref, reason: refused.slice(0, 500) });
      }
    }
    return { files: uploaded, notCarried };
  }

  private async uploadOne(api: SlackWebApi, orgId: string, from: FilesFrom, file: SharedFile, paced: <T>(run: () => Promise<T>) => Promise<T>): Promise<string> {
    const route = internalRoutes[from.platform === 'teams' ? 'teams-connector' : 'slack-connector'].fileContent;
    const source = await this.internalApi.stream(route, { params: { orgId, connectionId: from.connectionId, ref: file.ref } });
    try {
      const length = source.contentLength ?? file.sizeBytes;
      if (!(length > 0)) throw new NotCarried('the file is empty');
      const answer = await paced(() => api.call<WebAPICallResult & { upload_url?: string; file_id?: string }>('files.getUploadURLExternal', { filename: file.name, length }));
      if (!answer.upload_url || !answer.file_id) throw new Error('files.getUploadURLExternal answered without upload_url or file_id');
      // The upload URL takes the raw bytes; the source's stream goes straight through.
      const sent = await httpRequest(answer.upload_url, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(length) },
        body: source.body,
        headersTimeout: this.config.httpTimeoutMs,
      });
      const text = await sent.body.text();
      if (sent.statusCode >= 500) throw new Error(`Slack's upload URL answered HTTP ${sent.statusCode}`);
      if (sent.statusCode !== 200) throw new NotCarried(`Slack refused the upload: HTTP ${sent.statusCode} ${text.slice(0, 100)}`);
      return answer.file_id;
    } finally {
      // Whatever was not read (a refusal before the upload) is dropped; a destroyed body's abort is no error here.
      if (!source.body.readableEnded) {
        source.body.on('error', () => undefined);
        source.body.destroy();
      }
    }
  }

  /** Shares uploaded files as one message into the conversation (and thread), with the text as its comment. */
  async share(api: SlackWebApi, uploaded: Uploaded, target: { channelId: string; threadTs?: string; comment: string }, paced: <T>(run: () => Promise<T>) => Promise<T>): Promise<void> {
    await paced(() =>
      api.call('files.completeUploadExternal', {
        files: JSON.stringify(uploaded.files),
        channel_id: target.channelId,
        ...(target.threadTs ? { thread_ts: target.threadTs } : {}),
        ...(target.comment ? { initial_comment: target.comment } : {}),
      }),
    );
  }

  /**
   * The ts of the message that shares this file in the conversation (and thread), once Slack shows it; undefined when
   * it does not within the wait (`waitMs` 0: look once), or the file is gone.
   */
  async sharedAt(api: SlackWebApi, fileId: string, target: { channelId: string; threadTs?: string }, paced: <T>(run: () => Promise<T>) => Promise<T>, waitMs = SHARE_WAIT_MS): Promise<string | undefined> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      let shares: Shares | undefined;
      try {
        shares = (await paced(() => api.call<WebAPICallResult & { file?: { shares?: Shares } }>('files.info', { file: fileId }))).file?.shares;
      } catch (error) {
        if (error instanceof SlackApiError && (error.code === 'file_not_found' || error.code === 'file_deleted')) return undefined;
        throw error;
      }
      const ts = shareIn(shares, target);
      if (ts || Date.now() >= deadline) return ts;
      await new Promise((resolve) => setTimeout(resolve, SHARE_POLL_MS * Math.max(0.01, this.config.limits.timeScale)));
    }
  }
}

/** The share of a file in this conversation (in this thread, or at top level when none is named). */
export function shareIn(shares: Shares | undefined, target: { channelId: string; threadTs?: string }): string | undefined {
  const entries = [...(shares?.['public']?.[target.channelId] ?? []), ...(shares?.['private']?.[target.channelId] ?? [])];
  return entries.find((e) => (target.threadTs ? e.thread_ts === target.threadTs : !e.thread_ts || e.thread_ts === e.ts))?.ts;
}

/** A file that will not make it, for a reason that will not go away by trying again. */
class NotCarried extends Error {}

/**
 * Why a file is not carried (anything else is rethrown): the source said it has no such file (404) or refused for good
 * (4xx), Slack refused it; an outage or the sender's token being refused is thrown for the delivery to handle.
 */
function refusal(error: unknown, from: FilesFrom): string {
  if (error instanceof NotCarried) return error.message;
  if (error instanceof InternalApiError && error.status >= 400 && error.status < 500 && error.status !== 401 && error.status !== 429) {
    return error.status === 404 ? `the file is no longer on ${from.platform === 'teams' ? 'Teams' : 'Slack'}` : `${from.platform}-connector refused the file: ${error.status}`;
  }
  if (error instanceof SlackApiError && !TOKEN_REFUSED_CODES.has(error.code)) return `Slack refused the file: ${error.code}`;
  throw error;
}

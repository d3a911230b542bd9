import { Inject, Injectable } from '@nestjs/common';
import { ProblemException } from '@parley/service-runtime';
import { GraphRequestError, type GraphAccess, type GraphApi, type GraphDownload } from '@parley/teams-connector-graph-access';
import { refusalReason } from '../failures';
import { GRAPH_ACCESS } from '../graph.providers';
import type { GraphChatMessageResource } from '../relay/chat-message-observer';
import { messagePath, messagePlace } from '../relay/message-place';
import { decodeFileRef, shareIdOf, type TeamsFileRef } from './file-ref';

/** A reference attachment: a driveItem in OneDrive or SharePoint, named by its URL. */
export const isReferenceAttachment = (a: { contentType?: string | null; contentUrl?: string | null }): boolean => a.contentType === 'reference' && !!a.contentUrl;

/** Where Graph streams a file's bytes: a hosted content's `$value`, or the shared driveItem's content. */
export const hostedContentValuePath = (messageResource: string, hostedContentId: string): string =>
  `${messageResource}/hostedContents/${encodeURIComponent(hostedContentId)}/$value`;
export const driveItemContentPath = (url: string): string => `/shares/${shareIdOf(url)}/driveItem/content`;

/**
 * Serves teams-connector's `fileContent` route (ADR 0039, 0041): the bytes of a file it named in
 * parley.message.received.v2, streamed from Graph as they come, never held whole and never stored. The app's token
 * reads both kinds: hosted contents with Chat.Read.All / ChannelMessage.Read.All (as ingress reads the messages), a
 * driveItem through `/shares/{id}/driveItem/content` with Files.ReadWrite.All (Graph offers no read-only application
 * permission for /shares).
 */
@Injectable()
export class TeamsFileContent {
  constructor(@Inject(GRAPH_ACCESS) private readonly graph: GraphAccess) {}

  async open(orgId: string, connectionId: string, handle: string): Promise<GraphDownload> {
    const ref = decodeFileRef(handle);
    if (!ref) throw new ProblemException(404, 'No such file: the handle is not one teams-connector made.');
    const doing = `reading file ${ref.index + 1} of message ${ref.messageId}`;
    try {
      const app = (await this.graph.forConnection(orgId, connectionId)).app('customer');
      return await app.download(await this.contentPath(app, ref));
    } catch (error) {
      throw fileProblem(error, doing);
    }
  }

  private async contentPath(app: GraphApi, ref: TeamsFileRef): Promise<string> {
    const resource = messagePath(messagePlace(ref.conversationId, ref.rootId), ref.messageId);
    // A message its sender deleted shares nothing any more, whatever Graph still keeps behind it.
    const message = await app.get<GraphChatMessageResource>(resource);
    if (message.deletedDateTime) throw new ProblemException(404, 'No such file: its message was deleted.');
    if (ref.kind === 'hosted') {
      const hosted = await app.get<{ value?: { id: string }[] }>(`${resource}/hostedContents`);
      const item = hosted.value?.[ref.index];
      if (!item) throw new ProblemException(404, 'No such file: the message has no such image any more.');
      return hostedContentValuePath(resource, item.id);
    }
    const attachment = (message.attachments ?? []).filter(isReferenceAttachment)[ref.index];
    if (!attachment?.contentUrl) throw new ProblemException(404, 'No such file: the message no longer shares it.');
    return driveItemContentPath(attachment.contentUrl);
  }
}

/** 404 when Graph says the message, the image or the file is gone; 422 for a refusal; 503 when Graph did not answer. */
function fileProblem(error: unknown, doing: string): ProblemException {
  if (error instanceof ProblemException) return error;
  if (error instanceof GraphRequestError && (error.status === 404 || error.status === 410)) return new ProblemException(404, `${doing}: Microsoft Graph has no such file (${error.graphMessage}).`);
  const reason = refusalReason(error, doing);
  if (reason !== null) return new ProblemException(422, reason);
  return new ProblemException(503, `${doing}: Microsoft Graph or identity did not answer; try again.`);
}

import type { PayloadIn } from '@parley/contracts';
import type { Logger } from '@parley/observability';
import { GraphRequestError, type GraphApi } from '@parley/teams-connector-graph-access';
import type { GraphChatMessageResource } from '../relay/chat-message-observer';
import { messagePath, type MessagePlace } from '../relay/message-place';
import { hostedContentValuePath, isReferenceAttachment } from './file-content';
import { encodeFileRef, shareIdOf } from './file-ref';

/** A file as parley.message.received.v2 names it. */
export type SharedFile = NonNullable<PayloadIn<'parley.message.received.v2'>['files']>[number];

/** The most files a message carries on the bus (parley.message.received.v2). */
const MAX_FILES = 20;

/** A driveItem as `/shares/{id}/driveItem` answers it (the fields read here). */
interface SharedDriveItem {
  readonly name?: string;
  readonly size?: number;
  readonly webUrl?: string;
  readonly file?: { readonly mimeType?: string } | null;
}

const EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/webp': 'webp', 'image/bmp': 'bmp' };

/**
 * What a Teams message shares, as parley.message.received.v2 names it (ADR 0041): each hosted content (an inline
 * image pasted into the message) and each file attached by reference (a driveItem in OneDrive or SharePoint), with the
 * size Graph gives, read with the app's token. A hosted content has no name or size in Graph's listing, so its
 * `$value` is opened for its type and length and closed without being read (its bytes are counted only when Graph
 * sends them chunked, an image of at most a few MB). A file Graph will not describe (gone, or not the app's to read) is
 * left out with a warning: the message itself is still relayed. Transient failures throw, so the observation is
 * ingested again.
 */
export async function sharedFilesOf(app: GraphApi, place: MessagePlace, message: GraphChatMessageResource, logger: Logger): Promise<SharedFile[]> {
  const references = (message.attachments ?? []).filter(isReferenceAttachment);
  const hasImages = showsImages(message);
  if (references.length === 0 && !hasImages) return [];
  const resource = messagePath(place, message.id);
  const files: SharedFile[] = [];
  const conversationId = place.conversationId;
  const rootId = place.kind === 'channel' ? place.rootId : undefined;

  if (hasImages) {
    const hosted = await app.get<{ value?: { id: string }[] }>(`${resource}/hostedContents`);
    for (const [index, item] of (hosted.value ?? []).entries()) {
      const ref = encodeFileRef({ kind: 'hosted', conversationId, ...(rootId ? { rootId } : {}), messageId: message.id, index });
      if (!ref) continue;
      const described = await skipGone(logger, message.id, () => describeHosted(app, hostedContentValuePath(resource, item.id)));
      if (!described) continue;
      const image = described.mimeType.startsWith('image/');
      const ext = EXTENSIONS[described.mimeType] ?? (image ? described.mimeType.slice(6).replace(/[^a-z0-9]/gi, '') || 'img' : 'bin');
      files.push({ ref, name: `${image ? 'image' : 'content'}-${index + 1}.${ext}`, mimeType: described.mimeType, sizeBytes: described.sizeBytes, kind: image ? 'image' : 'file' });
    }
  }
  for (const [index, attachment] of references.entries()) {
    const ref = encodeFileRef({ kind: 'reference', conversationId, ...(rootId ? { rootId } : {}), messageId: message.id, index });
    if (!ref) continue;
    const item = await skipGone(logger, message.id, () => app.get<SharedDriveItem>(`/shares/${shareIdOf(attachment.contentUrl as string)}/driveItem`));
    if (!item) continue;
    const name = (attachment.name || item.name || 'file').slice(0, 255);
    files.push({
      ref,
      name,
      mimeType: item.file?.mimeType || 'application/octet-stream',
      sizeBytes: item.size ?? 0,
      // Teams shows a shared image as a file card, not inline: it travels as a file.
      kind: 'file',
      ...(item.webUrl && /^https:\/\//.test(item.webUrl) ? { permalink: item.webUrl } : {}),
    });
  }
  return files.slice(0, MAX_FILES);
}

/** Whether the body shows hosted contents (an `<img>` of `.../hostedContents/{id}/$value`). */
const showsImages = (message: GraphChatMessageResource): boolean => /\/hostedContents\/[^"'/]+\/\$value/i.test(message.body?.content ?? '');

/** Whether a message shares anything (before asking Graph what). */
export function sharesFiles(message: GraphChatMessageResource): boolean {
  return showsImages(message) || (message.attachments ?? []).some(isReferenceAttachment);
}

async function describeHosted(app: GraphApi, path: string): Promise<{ mimeType: string; sizeBytes: number }> {
  const download = await app.download(path);
  const mimeType = download.contentType.split(';')[0]?.trim() || 'application/octet-stream';
  if (download.contentLength !== undefined) {
    download.body.destroy();
    return { mimeType, sizeBytes: download.contentLength };
  }
  let sizeBytes = 0;
  for await (const chunk of download.body) sizeBytes += (chunk as Buffer).length;
  return { mimeType, sizeBytes };
}

/** Graph's 4xx for one file (gone, not readable): left out, warned about; anything else is thrown. */
async function skipGone<T>(logger: Logger, messageId: string, read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof GraphRequestError) || error.status === 0 || error.status === 408 || error.status === 429 || error.status >= 500) throw error;
    logger.warn({ messageId, status: error.status, code: error.code }, 'a file of a teams message could not be described; the message is relayed without it');
    return null;
  }
}

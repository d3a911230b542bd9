import type { SandboxContext } from '../context';
import { badRequest, GraphError } from '../http/graph-error';
import { canOpenItem, itemByUrl } from './drives';

/** Teams' limit on a message's body (reference: "a message body is limited to about 28 KB"). */
export const MAX_MESSAGE_BODY_BYTES = 28 * 1024;

interface ReferenceAttachment {
  readonly id: string;
  readonly contentType: 'reference';
  readonly contentUrl: string;
  readonly name?: string | null;
}

const attachmentTags = (content: string): string[] => [...content.matchAll(/<attachment\s+id="([^"]+)"\s*>\s*<\/attachment>/gi)].map((m) => m[1] as string);

/**
 * Checks a new message's attachments the way Teams does for files shared by reference (reference: "Files"): each
 * `reference` attachment names a driveItem by its URL (webUrl / webDavUrl), its id is the GUID of the item's eTag, the
 * sender can open the item (unverified: the item's drive is theirs or their team's, or it was shared with them), and the body holds its
 * `<attachment id="...">` tag; every such tag in the body names an attachment. Answers the attachments as stored.
 */
export function checkAttachments(sandbox: SandboxContext, raw: readonly unknown[], content: string, senderId: string): unknown[] {
  const tags = attachmentTags(content);
  const ids = new Set<string>();
  for (const value of raw) {
    if (typeof value !== 'object' || value === null) throw badRequest("Invalid value for property 'attachments' of resource 'chatMessage'.");
    const attachment = value as Record<string, unknown>;
    if (typeof attachment['id'] !== 'string' || !attachment['id']) throw badRequest('Each attachment needs an id.');
    ids.add(attachment['id']);
    if (attachment['contentType'] !== 'reference') continue;
    const reference = attachment as unknown as ReferenceAttachment;
    if (typeof reference.contentUrl !== 'string' || !reference.contentUrl) throw badRequest(`Attachment ${reference.id}: a reference attachment needs its file's contentUrl.`);
    const item = itemByUrl(sandbox, reference.contentUrl);
    if (!item || item.folder) throw badRequest(`Attachment ${reference.id}: the file at its contentUrl was not found.`);
    if (item.guid.toLowerCase() !== reference.id.replace(/[{}]/g, '').toLowerCase()) throw badRequest(`Attachment ${reference.id}: the id must be the GUID of the file's eTag.`);
    if (!canOpenItem(sandbox, item, senderId)) throw badRequest(`Attachment ${reference.id}: the sender cannot open the file.`);
    if (!tags.includes(reference.id)) throw badRequest(`Attachment ${reference.id} is not referenced in the message body (<attachment id="${reference.id}"></attachment>).`);
  }
  for (const tag of tags) if (!ids.has(tag)) throw badRequest(`The message body refers to attachment ${tag}, which the message does not have.`);
  return [...raw];
}

/** The 28 KB body limit: Graph answers 413 for a larger message. */
export function checkBodySize(content: string): void {
  if (Buffer.byteLength(content, 'utf8') > MAX_MESSAGE_BODY_BYTES) {
    throw new GraphError(413, 'RequestEntityTooLarge', `The message body is ${Buffer.byteLength(content, 'utf8')} bytes; Teams takes at most ${MAX_MESSAGE_BODY_BYTES}.`);
  }
}

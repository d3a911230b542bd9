/**
 * teams-connector's handle for a file it names in parley.message.received.v2 (ADR 0041): the ids that find the file
 * again in Graph, encoded in the handle itself rather than in a row. A Teams file is addressed by its message (an
 * inline image is the message's nth hosted content, a shared file its nth reference attachment), so the handle stays
 * valid for as long as the message does and Graph, not a table, says when it is gone. Nothing is stored, so there is
 * nothing to expire or clean up. Graph's own hosted content ids are too long for the 200 characters a ref may have,
 * hence the position.
 */
export interface TeamsFileRef {
  /** `hosted`: an inline image (`hostedContents`); `reference`: a file attached by reference (a driveItem). */
  readonly kind: 'hosted' | 'reference';
  /** The bus's name for the place: a chat id or `{teamId}/{channelId}`. */
  readonly conversationId: string;
  /** A channel reply's root; absent for a chat message or a channel root. */
  readonly rootId?: string;
  readonly messageId: string;
  /** Position among the message's hosted contents or reference attachments, from 0. */
  readonly index: number;
}

/** The most a ref may have (parley.message.received.v2). */
export const MAX_REF_LENGTH = 200;
const VERSION = 1;

/** The handle, URL-safe (base64url); null when the ids are too long to fit (the file is then not offered). */
export function encodeFileRef(ref: TeamsFileRef): string | null {
  const fields = [VERSION, ref.kind === 'hosted' ? 'h' : 'r', ref.conversationId, ref.rootId ?? '', ref.messageId, ref.index];
  const encoded = Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
  return encoded.length <= MAX_REF_LENGTH ? encoded : null;
}

/** The ids of a handle; null for anything this connector did not make (the route answers 404). */
export function decodeFileRef(value: string): TeamsFileRef | null {
  if (value.length > MAX_REF_LENGTH || !/^[A-Za-z0-9_-]+$/.test(value)) return null;
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(fields) || fields.length !== 6 || fields[0] !== VERSION) return null;
  const [, kind, conversationId, rootId, messageId, index] = fields as unknown[];
  if ((kind !== 'h' && kind !== 'r') || typeof conversationId !== 'string' || !conversationId || typeof rootId !== 'string') return null;
  if (typeof messageId !== 'string' || !messageId || typeof index !== 'number' || !Number.isInteger(index) || index < 0) return null;
  return { kind: kind === 'h' ? 'hosted' : 'reference', conversationId, ...(rootId ? { rootId } : {}), messageId, index };
}

/**
 * A driveItem's URL (a reference attachment's contentUrl, its webUrl or webDavUrl) as a Graph share id: `u!` and the
 * unpadded base64url of the URL, as `GET /shares/{shareIdOrEncodedSharingUrl}` documents.
 */
export function shareIdOf(url: string): string {
  return `u!${Buffer.from(url, 'utf8').toString('base64url')}`;
}

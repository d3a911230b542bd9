import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import type { Payload } from '@parley/contracts';
import { InternalApiError, internalRoutes } from '@parley/internal-api';
import type { Logger } from '@parley/observability';
import { INTERNAL_API, LOGGER, type InternalApiAccess } from '@parley/service-runtime';
import { GraphRequestError, type GraphApi } from '@parley/teams-connector-graph-access';
import { escapeHtml } from '../relay/content';

type DeliverRequestedV2 = Payload<'parley.teams.message.deliver.requested.v2'>;
type SharedFile = DeliverRequestedV2['files'][number];

/**
 * Where a delivery's non-inline files go: the poster's OneDrive (a chat), shared with the chat's other members (Entra
 * object ids) so they can open them, or the channel's folder in the team's library (readable by the team already).
 */
export type FileDestination = { readonly kind: 'onedrive'; readonly shareWith: readonly string[] } | { readonly kind: 'channel'; readonly teamId: string; readonly channelId: string };

/** A chatMessage's hosted content, as POST takes it. */
export interface HostedContentInput {
  readonly '@microsoft.graph.temporaryId': string;
  readonly contentBytes: string;
  readonly contentType: string;
}

/** A file attached by reference, as POST takes it. */
export interface ReferenceAttachmentInput {
  readonly id: string;
  readonly contentType: 'reference';
  readonly contentUrl: string;
  readonly name: string;
}

/** What a message carries of a delivery's files, and which ones it does not (with why). */
export interface CarriedFiles {
  readonly hostedContents: HostedContentInput[];
  readonly attachments: ReferenceAttachmentInput[];
  /** `<img>` and `<attachment>` tags to append to the body. */
  readonly html: string;
  readonly notCarried: { ref: string; name: string; reason: string }[];
}

/**
 * Inline images travel base64 in the message's JSON, which Graph takes up to 4 MB per request (reference: "Images"):
 * their raw bytes together stay under this, leaving room for base64's third and the body (at most 28 KB).
 */
export const INLINE_IMAGES_MAX_BYTES = 2_800_000;
/** Simple upload (`PUT .../content`): the 4 MB every version of the docs agrees on (newer pages say 250 MB). */
export const SIMPLE_UPLOAD_MAX_BYTES = 4 * 1024 * 1024;
/** An upload session's ranges: a multiple of 320 KiB (documented), here 3.125 MiB, under the 4 MB request limit. */
export const UPLOAD_RANGE_BYTES = 320 * 1024 * 10;
/** Teams puts files shared in chats in this OneDrive folder; Parley's go in a folder per delivery beneath it. */
const CHAT_FILES_FOLDER = 'Microsoft Teams Chat Files';

/** A name SharePoint takes: its refused characters replaced (documented: `" * : < > ? / \ |`). */
export function driveItemName(name: string): string {
  const printable = [...name].map((c) => (c.charCodeAt(0) < 0x20 ? '_' : c)).join('');
  const cleaned = printable.replace(/["*:<>?/\\|]/g, '_').replace(/^[\s.]+|[\s.]+$/g, '');
  return (cleaned || 'file').slice(0, 250);
}

/** The GUID of a driveItem's eTag (`"{GUID},3"`): a reference attachment's id. */
export function eTagGuid(eTag: string | undefined): string | null {
  return /\{([0-9A-Fa-f-]{36})\}/.exec(eTag ?? '')?.[1] ?? null;
}

interface DriveItem {
  readonly id: string;
  readonly name: string;
  readonly eTag?: string;
  readonly webUrl?: string;
  readonly webDavUrl?: string;
  readonly parentReference?: { readonly driveId?: string };
}

/** A failure that leaves one file behind (the rest of the message goes on); anything else fails the attempt. */
class FileNotCarried extends Error {}

/**
 * Carries a v2 delivery's files into Teams (ADR 0039, 0041), reading each from the source connector's `fileContent`
 * route as a stream: an image that fits the inline budget becomes a hosted content of the message (its bytes held once,
 * base64, as Graph takes them in the JSON); any other file is written, as it arrives, to the poster's OneDrive (a chat)
 * or the channel's folder (a channel), in a folder of its own per delivery (`.../Parley/{deliveryId}/`, replaced on a
 * retry, so a retried delivery makes no second copy and keeps the same eTag GUID), and attached by reference.
 *
 * A file the source no longer has, or Graph refuses for itself (too large, a quota, a name, no OneDrive for a guest),
 * is not carried, with the reason; a refusal of the poster (401, 403: not a member, no voice) or an outage (429, 5xx,
 * unreachable, the source connector down) throws, so the caller acts on it as for text.
 */
@Injectable()
export class FileCarrier {
  constructor(
    @Inject(INTERNAL_API) private readonly access: InternalApiAccess,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async carry(api: GraphApi, destination: FileDestination, command: Pick<DeliverRequestedV2, 'orgId' | 'deliveryId' | 'files' | 'filesFrom'>): Promise<CarriedFiles> {
    const carried: CarriedFiles = { hostedContents: [], attachments: [], html: '', notCarried: [] };
    let inlineLeft = INLINE_IMAGES_MAX_BYTES;
    let folder: Promise<string> | undefined;
    const parts: string[] = [];
    for (const file of command.files) {
      let source: { body: Readable; contentLength?: number } | undefined;
      try {
        const inline = file.kind === 'image' && /^image\//i.test(file.mimeType) && file.sizeBytes <= inlineLeft;
        source = await this.open(command, file);
        if (inline) {
          const bytes = await readAtMost(source.body, inlineLeft, file.name);
          inlineLeft -= bytes.length;
          const temporaryId = String(carried.hostedContents.length + 1);
          carried.hostedContents.push({ '@microsoft.graph.temporaryId': temporaryId, contentBytes: bytes.toString('base64'), contentType: file.mimeType });
          parts.push(`<p><img src="../hostedContents/${temporaryId}/$value" alt="${escapeHtml(file.name)}"></p>`);
          continue;
        }
        folder ??= this.folder(api, destination, command.deliveryId);
        const size = source.contentLength ?? file.sizeBytes;
        const item = await this.upload(api, await folder, driveItemName(file.name), source.body, size);
        if (destination.kind === 'onedrive') await this.share(api, item, destination.shareWith);
        const id = eTagGuid(item.eTag);
        const contentUrl = item.webDavUrl ?? item.webUrl;
        if (!id || !contentUrl) throw new FileNotCarried('Graph answered the upload without the eTag or URL an attachment needs');
        carried.attachments.push({ id, contentType: 'reference', contentUrl, name: item.name });
        parts.push(`<attachment id="${id}"></attachment>`);
      } catch (error) {
        source?.body.destroy();
        const reason = notCarriedReason(error, destination);
        if (reason === null) throw error;
        this.logger.warn({ deliveryId: command.deliveryId, ref: file.ref, reason }, 'a file of a teams delivery was not carried');
        carried.notCarried.push({ ref: file.ref, name: file.name, reason });
      }
    }
    if (carried.notCarried.length > 0) {
      parts.push(`<p><em>${escapeHtml(`Not attached: ${carried.notCarried.map((f) => f.name).join(', ')}`)}</em></p>`);
    }
    return { ...carried, html: parts.join('') };
  }

  private async open(command: Pick<DeliverRequestedV2, 'orgId' | 'filesFrom'>, file: SharedFile): Promise<{ body: Readable; contentLength?: number }> {
    const route = command.filesFrom.platform === 'slack' ? internalRoutes['slack-connector'].fileContent : internalRoutes['teams-connector'].fileContent;
    const stream = await this.access.stream(route, { params: { orgId: command.orgId, connectionId: command.filesFrom.connectionId, ref: file.ref } });
    return { body: stream.body, ...(stream.contentLength !== undefined ? { contentLength: stream.contentLength } : {}) };
  }

  /**
   * A file in the poster's OneDrive is theirs alone until shared: each member of the chat is invited to read it
   * (signed in, no email), as Teams does when someone attaches a file in a chat. Idempotent: a retry invites again.
   */
  private async share(api: GraphApi, item: DriveItem, userIds: readonly string[]): Promise<void> {
    if (userIds.length === 0) return;
    try {
      await api.post(`/me/drive/items/${encodeURIComponent(item.id)}/invite`, {
        recipients: userIds.map((objectId) => ({ objectId })),
        roles: ['read'],
        requireSignIn: true,
        sendInvitation: false,
      });
    } catch (error) {
      if (error instanceof GraphRequestError && error.status >= 400 && error.status < 500 && ![401, 403, 408, 429].includes(error.status)) {
        throw new FileNotCarried(`the file could not be shared with the chat's members (${error.status}${error.code ? ` ${error.code}` : ''}): ${error.graphMessage}`);
      }
      throw error;
    }
  }

  /** The drive path of the delivery's own folder, ending with `:` after the folder's path segment start. */
  private async folder(api: GraphApi, destination: FileDestination, deliveryId: string): Promise<string> {
    if (destination.kind === 'onedrive') return `/me/drive/root:/${encodeURIComponent(CHAT_FILES_FOLDER)}/Parley/${deliveryId}`;
    const channelFolder = await api.get<DriveItem>(`/teams/${encodeURIComponent(destination.teamId)}/channels/${encodeURIComponent(destination.channelId)}/filesFolder`);
    const driveId = channelFolder.parentReference?.driveId;
    if (!driveId) throw new GraphRequestError(502, null, "the channel's files folder names no drive", 'GET filesFolder');
    return `/drives/${encodeURIComponent(driveId)}/items/${encodeURIComponent(channelFolder.id)}:/Parley/${deliveryId}`;
  }

  /**
   * Writes a file as it arrives: one PUT up to 4 MB (held once), else an upload session fed range by range. Replacing
   * an earlier attempt's file is what makes a retried delivery idempotent.
   */
  private async upload(api: GraphApi, folder: string, name: string, body: Readable, size: number): Promise<DriveItem> {
    const path = `${folder}/${encodeURIComponent(name)}:`;
    if (size <= SIMPLE_UPLOAD_MAX_BYTES) {
      const bytes = await readAtMost(body, SIMPLE_UPLOAD_MAX_BYTES, name);
      return api.put<DriveItem>(`${path}/content?@microsoft.graph.conflictBehavior=replace`, bytes, { 'content-type': 'application/octet-stream' });
    }
    const session = await api.post<{ uploadUrl: string }>(`${path}/createUploadSession`, { item: { '@microsoft.graph.conflictBehavior': 'replace' } });
    let offset = 0;
    let item: DriveItem | undefined;
    try {
      for await (const range of ranges(body, UPLOAD_RANGE_BYTES)) {
        if (offset + range.length > size) throw new FileNotCarried(`the source sent more than the ${size} bytes it announced`);
        const response = await api.request<DriveItem>('PUT', session.uploadUrl, {
          body: range,
          headers: { 'content-type': 'application/octet-stream', 'content-range': `bytes ${offset}-${offset + range.length - 1}/${size}` },
          claims: [],
        });
        offset += range.length;
        if (response.status === 200 || response.status === 201) item = response.body;
      }
      if (!item) throw new FileNotCarried(`the source sent ${offset} of the ${size} bytes it announced`);
      return item;
    } catch (error) {
      // An abandoned session would hold its bytes until it expires: cancel it (no bearer needed, none is harmful).
      await api.request('DELETE', session.uploadUrl, { claims: [] }).catch(() => undefined);
      throw error;
    }
  }
}

/** A stream's bytes, refusing more than `max` (then the stream is closed). */
async function readAtMost(body: Readable, max: number, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    length += (chunk as Buffer).length;
    if (length > max) {
      body.destroy();
      throw new FileNotCarried(`${name} is larger than it was said to be`);
    }
    chunks.push(Buffer.from(chunk as Uint8Array));
  }
  return Buffer.concat(chunks);
}

/** A stream cut into ranges of `size` bytes (the last shorter), each held only while it is sent. */
async function* ranges(body: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    let rest = Buffer.from(chunk as Uint8Array);
    while (length + rest.length >= size) {
      const take = size - length;
      pending.push(rest.subarray(0, take));
      yield Buffer.concat(pending);
      rest = rest.subarray(take);
      pending = [];
      length = 0;
    }
    if (rest.length > 0) {
      pending.push(rest);
      length += rest.length;
    }
  }
  if (length > 0) yield Buffer.concat(pending);
}

/** Why one file stays behind, or null when the failure is the attempt's (the poster refused, an outage). */
function notCarriedReason(error: unknown, destination: FileDestination): string | null {
  if (error instanceof FileNotCarried) return error.message;
  if (error instanceof InternalApiError) {
    if (error.status === 404) return 'the file is no longer available where it was shared';
    if (error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429) return `the source refused the file (${error.status}): ${error.problem.detail ?? 'no detail'}`;
    return null;
  }
  if (error instanceof GraphRequestError) {
    if (error.status === 0 || error.status === 401 || error.status === 403 || error.status === 408 || error.status === 429 || error.status >= 500) return null;
    if (error.status === 404 && destination.kind === 'onedrive' && /mysite|onedrive/i.test(error.graphMessage)) {
      return `the sender has no OneDrive in this tenant (a guest account: Teams lets guests share files in channels only): ${error.graphMessage}`;
    }
    return `Microsoft Graph refused the file (${error.status}${error.code ? ` ${error.code}` : ''}): ${error.graphMessage}`;
  }
  return null;
}

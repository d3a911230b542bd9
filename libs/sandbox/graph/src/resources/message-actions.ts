import type { SandboxContext } from '../context';
import { badRequest, forbidden, notFound } from '../http/graph-error';
import { messageId, newGuid } from '../state/ids';
import { type ChatMessage, DEFAULT_GUEST_MESSAGING, type HostedContent, type MessageContainer } from '../state/model';
import { channelKey, chatKey } from '../state/store';
import type { ChangeType } from '../notifications/notifier';
import { messageRecord, messageResource } from './message-view';

/**
 * Message operations shared by the Graph handlers and the control API ("act as a Teams person"), so both change
 * state the same way and raise the same change notifications.
 */
export interface NewMessage {
  readonly container: MessageContainer;
  readonly fromUserId: string;
  readonly replyToId?: string | null;
  readonly body: { contentType: 'text' | 'html'; content: string };
  readonly subject?: string | null;
  readonly importance?: 'normal' | 'high' | 'urgent';
  readonly mentions?: ChatMessage['mentions'];
  readonly attachments?: unknown[];
  /** Inline images: temporary id -> bytes; the body refers to them as `../hostedContents/{temporaryId}/$value`. */
  readonly hostedContents?: { temporaryId: string; contentType: string; bytes: Buffer }[];
}

export const boxKey = (container: MessageContainer): string =>
  container.kind === 'chat' ? chatKey(container.chatId) : channelKey(container.teamId, container.channelId);

export function containerBase(sandbox: SandboxContext, container: MessageContainer): string {
  return container.kind === 'chat'
    ? `${sandbox.baseUrl()}/v1.0/chats/${encodeURIComponent(container.chatId)}`
    : `${sandbox.baseUrl()}/v1.0/teams/${container.teamId}/channels/${encodeURIComponent(container.channelId)}`;
}

function notify(sandbox: SandboxContext, message: ChatMessage, changeType: ChangeType): void {
  const c = message.container;
  sandbox.notifier.publish({
    tenantId: message.tenantId,
    changeType,
    resource: messageResource(message),
    messageId: message.id,
    ...(c.kind === 'chat'
      ? { chatId: c.chatId, chatMemberIds: [...(sandbox.store.chats.get(c.chatId)?.members.keys() ?? [])] }
      : { channel: { teamId: c.teamId, channelId: c.channelId } }),
    representation: () => messageRecord(sandbox.store, message),
  });
}

export function tenantOf(sandbox: SandboxContext, container: MessageContainer): string {
  const tenantId = container.kind === 'chat' ? sandbox.store.chats.get(container.chatId)?.tenantId : sandbox.store.teams.get(container.teamId)?.tenantId;
  if (!tenantId) throw notFound();
  return tenantId;
}

export function postMessage(sandbox: SandboxContext, input: NewMessage): ChatMessage {
  const id = messageId();
  const box = sandbox.store.messageBox(boxKey(input.container));
  if (input.replyToId) {
    const parent = box.get(input.replyToId);
    if (!parent || parent.replyToId) throw notFound(`Message ${input.replyToId} not found.`);
  }
  const hosted: HostedContent[] = [];
  let content = input.body.content;
  for (const item of input.hostedContents ?? []) {
    const hostedId = Buffer.from(`id=${newGuid()},type=1,url=${item.temporaryId}`).toString('base64url');
    hosted.push({ id: hostedId, contentType: item.contentType, bytes: item.bytes });
    const base = `${containerBase(sandbox, input.container)}/messages/${id}/hostedContents/${hostedId}/$value`;
    content = content.split(`../hostedContents/${item.temporaryId}/$value`).join(base);
  }
  const now = new Date().toISOString();
  const message: ChatMessage = {
    id,
    tenantId: tenantOf(sandbox, input.container),
    container: input.container,
    replyToId: input.replyToId ?? null,
    fromUserId: input.fromUserId,
    createdDateTime: now,
    lastModifiedDateTime: now,
    lastEditedDateTime: null,
    deletedDateTime: null,
    subject: input.subject ?? null,
    body: { contentType: input.body.contentType, content },
    importance: input.importance ?? 'normal',
    mentions: input.mentions ?? [],
    attachments: input.attachments ?? [],
    reactions: [],
    hostedContents: hosted,
    etag: Date.now(),
  };
  box.set(id, message);
  if (input.container.kind === 'chat') {
    const chat = sandbox.store.chats.get(input.container.chatId);
    if (chat) chat.lastUpdatedDateTime = now;
  }
  notify(sandbox, message, 'created');
  return message;
}

export function findMessage(sandbox: SandboxContext, container: MessageContainer, id: string, replyToId?: string): ChatMessage {
  const message = sandbox.store.messages.get(boxKey(container))?.get(id);
  if (!message || (replyToId !== undefined && message.replyToId !== replyToId)) throw notFound(`Message ${id} not found.`);
  return message;
}

function touch(message: ChatMessage): void {
  const now = new Date().toISOString();
  message.lastModifiedDateTime = now;
  message.etag = Date.now();
}

function ensureSender(message: ChatMessage, userId: string): void {
  if (message.fromUserId !== userId) throw forbidden('Only the sender can change or delete this message.');
}

/**
 * The sender alone may change a message, and a guest only as far as the tenant's guest messaging policy allows
 * (AllowUserEditMessage / AllowUserDeleteMessage). The Teams client and Graph refuse alike, so both paths share this.
 */
function ensureMayChange(sandbox: SandboxContext, message: ChatMessage, userId: string, change: 'edit' | 'delete'): void {
  ensureSender(message, userId);
  const user = sandbox.store.users.get(userId);
  if (user?.userType !== 'Guest') return;
  const policy = sandbox.store.tenants.get(message.tenantId)?.guestMessaging ?? DEFAULT_GUEST_MESSAGING;
  // (unverified) Graph's exact code and wording for a policy refusal; the shape is Graph's error body.
  if (change === 'edit' && !policy.allowUserEditMessage) throw forbidden("The tenant's messaging policy does not allow guests to edit their messages (AllowUserEditMessage is false).");
  if (change === 'delete' && !policy.allowUserDeleteMessage) throw forbidden("The tenant's messaging policy does not allow guests to delete their messages (AllowUserDeleteMessage is false).");
}

export function editMessage(sandbox: SandboxContext, message: ChatMessage, userId: string, body: { contentType: 'text' | 'html'; content: string }): void {
  ensureMayChange(sandbox, message, userId, 'edit');
  if (message.deletedDateTime) throw badRequest('A deleted message cannot be edited.');
  message.body = body;
  touch(message);
  message.lastEditedDateTime = message.lastModifiedDateTime;
  notify(sandbox, message, 'updated');
}

/** The one change an application token may make (Chat/ChannelMessage.UpdatePolicyViolation.All). */
export function setPolicyViolation(sandbox: SandboxContext, message: ChatMessage, policyViolation: Record<string, unknown> | null): void {
  message.policyViolation = policyViolation;
  touch(message);
  notify(sandbox, message, 'updated');
}

export function softDeleteMessage(sandbox: SandboxContext, message: ChatMessage, userId: string): void {
  ensureMayChange(sandbox, message, userId, 'delete');
  if (message.deletedDateTime) return;
  touch(message);
  message.deletedDateTime = message.lastModifiedDateTime;
  notify(sandbox, message, 'deleted');
}

export function undoSoftDeleteMessage(sandbox: SandboxContext, message: ChatMessage, userId: string): void {
  ensureMayChange(sandbox, message, userId, 'delete');
  if (!message.deletedDateTime) return;
  message.deletedDateTime = null;
  touch(message);
  notify(sandbox, message, 'updated');
}

const escapeHtml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const plainText = (message: ChatMessage): string =>
  (message.body.contentType === 'html' ? message.body.content.replace(/<\/?(?:p|div|br|li|ul|ol|blockquote|pre|h\d)\b[^>]*>/gi, ' ').replace(/<[^>]*>/g, '') : message.body.content)
    .replace(/\s+/g, ' ')
    .trim();

/**
 * `POST /chats/{id}/messages/replyWithQuote`: a new chat message quoting up to 10 others. As the v1.0 page shows,
 * the body is HTML holding one `<attachment id="{quotedId}"></attachment>` per quote, and each quote is an
 * attachment of contentType `messageReference` whose content (a JSON string) names the quoted message, a preview
 * and its sender.
 */
export function replyWithQuote(sandbox: SandboxContext, input: Omit<NewMessage, 'replyToId'> & { readonly quotedIds: readonly string[] }): ChatMessage {
  if (input.container.kind !== 'chat') throw badRequest('replyWithQuote is supported for chat messages only.');
  const box = sandbox.store.messages.get(boxKey(input.container));
  const references = input.quotedIds.map((id) => {
    const quoted = box?.get(id);
    if (!quoted) throw notFound(`Message ${id} not found in this chat.`);
    // (unverified) Graph's answer for quoting a deleted message.
    if (quoted.deletedDateTime) throw badRequest(`Message ${id} has been deleted and cannot be quoted.`);
    const sender = sandbox.store.users.get(quoted.fromUserId);
    return {
      id,
      contentType: 'messageReference',
      contentUrl: null,
      content: JSON.stringify({
        messageId: id,
        messagePreview: plainText(quoted),
        messageSender: { application: null, device: null, user: { userIdentityType: 'aadUser', tenantId: sender?.tenantId ?? quoted.tenantId, id: quoted.fromUserId, displayName: sender?.displayName ?? null } },
      }),
      name: null,
      thumbnailUrl: null,
      teamsAppId: null,
    };
  });
  const reply = input.body.contentType === 'html' ? input.body.content : escapeHtml(input.body.content);
  const tags = input.quotedIds.map((id) => `<attachment id="${id}"></attachment>`).join('\n');
  return postMessage(sandbox, {
    ...input,
    replyToId: null,
    body: { contentType: 'html', content: `<p></p>\n${tags}\n${reply}\n<p></p>` },
    attachments: [...references, ...(input.attachments ?? [])],
  });
}

export function setReaction(sandbox: SandboxContext, message: ChatMessage, userId: string, reactionType: string, on: boolean): void {
  if (message.deletedDateTime) throw badRequest('Cannot react to a deleted message.');
  const index = message.reactions.findIndex((r) => r.userId === userId && r.reactionType === reactionType);
  if (on && index === -1) message.reactions.push({ reactionType, userId, createdDateTime: new Date().toISOString() });
  else if (!on && index !== -1) message.reactions.splice(index, 1);
  else return;
  touch(message);
  notify(sandbox, message, 'updated');
}

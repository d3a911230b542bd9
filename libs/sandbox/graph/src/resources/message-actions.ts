import type { SandboxContext } from '../context';
import { badRequest, forbidden, notFound } from '../http/graph-error';
import { messageId, newGuid } from '../state/ids';
import type { ChatMessage, HostedContent, MessageContainer } from '../state/model';
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
    ...(c.kind === 'chat' ? { chatId: c.chatId } : { channel: { teamId: c.teamId, channelId: c.channelId } }),
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

export function editMessage(sandbox: SandboxContext, message: ChatMessage, userId: string, body: { contentType: 'text' | 'html'; content: string }): void {
  ensureSender(message, userId);
  if (message.deletedDateTime) throw badRequest('A deleted message cannot be edited.');
  message.body = body;
  touch(message);
  message.lastEditedDateTime = message.lastModifiedDateTime;
  notify(sandbox, message, 'updated');
}

export function softDeleteMessage(sandbox: SandboxContext, message: ChatMessage, userId: string): void {
  ensureSender(message, userId);
  if (message.deletedDateTime) return;
  touch(message);
  message.deletedDateTime = message.lastModifiedDateTime;
  notify(sandbox, message, 'deleted');
}

export function undoSoftDeleteMessage(sandbox: SandboxContext, message: ChatMessage, userId: string): void {
  ensureSender(message, userId);
  if (!message.deletedDateTime) return;
  message.deletedDateTime = null;
  touch(message);
  notify(sandbox, message, 'updated');
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

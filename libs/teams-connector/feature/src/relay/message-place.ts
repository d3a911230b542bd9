import { parseTeamsChannelConversationId } from '@parley/contracts';

/**
 * Where a message lives in Graph: a chat, or a channel of a team, where a reply is addressed under its thread's root
 * (`/teams/{t}/channels/{c}/messages/{root}/replies/{id}`). `conversationId` is the bus's name for the place (a chat
 * id, or `{teamId}/{channelId}`): posts are recorded under it, which is where the echo check looks for them.
 */
export type MessagePlace =
  | { readonly kind: 'chat'; readonly conversationId: string; readonly chatId: string }
  | { readonly kind: 'channel'; readonly conversationId: string; readonly teamId: string; readonly channelId: string; readonly rootId?: string };

/** The place of a conversation id from the bus; `rootId` addresses a reply in a channel thread (ignored for a chat). */
export function messagePlace(conversationId: string, rootId?: string): MessagePlace {
  const channel = parseTeamsChannelConversationId(conversationId);
  if (!channel) return { kind: 'chat', conversationId, chatId: conversationId };
  return { kind: 'channel', conversationId, ...channel, ...(rootId ? { rootId } : {}) };
}

const channelBase = (place: { teamId: string; channelId: string }): string => `/teams/${encodeURIComponent(place.teamId)}/channels/${encodeURIComponent(place.channelId)}/messages`;

/** Where new messages of the place are posted and listed: a chat's or channel's messages, or a root's replies. */
export function messagesPath(place: MessagePlace): string {
  if (place.kind === 'chat') return `/chats/${encodeURIComponent(place.chatId)}/messages`;
  return place.rootId ? `${channelBase(place)}/${encodeURIComponent(place.rootId)}/replies` : channelBase(place);
}

/** One message of the place (a reply under its root in a channel thread), for PATCH, setReaction and the like. */
export function messagePath(place: MessagePlace, messageId: string): string {
  return `${messagesPath(place)}/${encodeURIComponent(messageId)}`;
}

/**
 * Where the sender soft-deletes the message: channels under the message itself; chats only under the deleting user
 * (`/users/{id}/chats/{chat}/messages/{id}/softDelete`, the one path v1.0 documents).
 */
export function softDeletePath(place: MessagePlace, messageId: string, userId: string): string {
  if (place.kind === 'chat') return `/users/${encodeURIComponent(userId)}/chats/${encodeURIComponent(place.chatId)}/messages/${encodeURIComponent(messageId)}/softDelete`;
  return `${messagePath(place, messageId)}/softDelete`;
}

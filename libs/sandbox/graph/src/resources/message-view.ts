import type { ChatMessage } from '../state/model';
import type { Store } from '../state/store';

/** The OData resource path of a message, as notifications and @odata.id use it. */
export function messageResource(message: ChatMessage): string {
  const c = message.container;
  const base = c.kind === 'chat' ? `chats('${c.chatId}')` : `teams('${c.teamId}')/channels('${c.channelId}')`;
  return message.replyToId ? `${base}/messages('${message.replyToId}')/replies('${message.id}')` : `${base}/messages('${message.id}')`;
}

/** A chatMessage as GET returns it. */
export function messageRecord(store: Store, message: ChatMessage): Record<string, unknown> {
  const from = store.users.get(message.fromUserId);
  const c = message.container;
  return {
    id: message.id,
    replyToId: message.replyToId,
    etag: String(message.etag),
    messageType: 'message',
    createdDateTime: message.createdDateTime,
    lastModifiedDateTime: message.lastModifiedDateTime,
    lastEditedDateTime: message.lastEditedDateTime,
    deletedDateTime: message.deletedDateTime,
    subject: message.subject,
    summary: null,
    chatId: c.kind === 'chat' ? c.chatId : null,
    importance: message.importance,
    locale: 'en-us',
    webUrl: null,
    channelIdentity: c.kind === 'channel' ? { teamId: c.teamId, channelId: c.channelId } : null,
    policyViolation: message.policyViolation ?? null,
    eventDetail: null,
    from: {
      application: null,
      device: null,
      user: from ? { '@odata.type': '#microsoft.graph.teamworkUserIdentity', id: from.id, displayName: from.displayName, userIdentityType: 'aadUser', tenantId: from.tenantId } : null,
    },
    // A deleted message keeps its envelope but loses its content, as in Teams.
    body: message.deletedDateTime ? { contentType: message.body.contentType, content: '' } : { ...message.body },
    attachments: message.deletedDateTime ? [] : message.attachments,
    mentions: message.deletedDateTime ? [] : message.mentions,
    reactions: message.reactions.map((r) => {
      const user = store.users.get(r.userId);
      return {
        reactionType: r.reactionType,
        displayName: null,
        reactionContentUrl: null,
        createdDateTime: r.createdDateTime,
        user: { application: null, device: null, user: { '@odata.type': '#microsoft.graph.teamworkUserIdentity', id: r.userId, displayName: user?.displayName ?? null, userIdentityType: 'aadUser' } },
      };
    }),
  };
}

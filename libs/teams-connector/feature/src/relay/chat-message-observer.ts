/**
 * The seam between Teams ingress (change notifications and catch-up: how Parley learns that a message of a chat or of
 * a linked channel appeared, changed or went away; Graph calls both a chatMessage) and the relay side of the connector
 * (what that message means: an echo of Parley's own post or something to hand the relay as parley.message.received.v2).
 *
 * Ingress guarantees: the observation came through a verified notification (clientState and validation tokens
 * checked, resource data decrypted) or through Parley's own catch-up listing; it may arrive more than once (a
 * notification and the catch-up that covers the same gap), so observers dedupe on (chatId, messageId, version).
 */
export interface ChatMessageObservation {
  readonly orgId: string;
  readonly connectionId: string;
  /**
   * The conversation as the bus names it: a chat's id, or `{teamId}/{channelId}` for a channel message
   * (teamsChannelConversationId), as the relay store's chat_id columns hold it too: Parley's own posts are recorded
   * under the same name, where the echo check looks.
   */
  readonly chatId: string;
  readonly messageId: string;
  /** For a reply in a channel thread: its root's id, as the notification's resource names it (`.../replies('{id}')`). */
  readonly threadRootId?: string;
  /** Graph's changeType; a softDelete arrives as `updated` with `deletedDateTime` set, a hard delete as `deleted`. */
  readonly changeType: 'created' | 'updated' | 'deleted';
  /** The chatMessage resource (decrypted resource data, or as listed); absent only for `deleted`. */
  readonly message?: GraphChatMessageResource;
  readonly source: 'notification' | 'catch-up';
  /** Stable for the same change: the notification's subscription id and message version, or the catch-up's. */
  readonly eventId: string;
}

/** The parts of Graph's chatMessage the relay reads. */
export interface GraphChatMessageResource {
  readonly id: string;
  readonly chatId?: string | null;
  readonly replyToId?: string | null;
  readonly messageType?: string | null;
  readonly createdDateTime?: string | null;
  readonly lastModifiedDateTime?: string | null;
  readonly lastEditedDateTime?: string | null;
  readonly deletedDateTime?: string | null;
  readonly from?: { readonly user?: { readonly id?: string | null; readonly displayName?: string | null } | null; readonly application?: unknown } | null;
  readonly body?: { readonly contentType?: string | null; readonly content?: string | null } | null;
  readonly mentions?: ReadonlyArray<{ id: number; mentionText?: string | null; mentioned?: { user?: { id?: string | null } | null } | null }> | null;
  readonly attachments?: ReadonlyArray<{ id?: string | null; contentType?: string | null; content?: string | null; contentUrl?: string | null; name?: string | null }> | null;
  /** The whole current list (Graph's chatMessageReaction): a change of it comes as an `updated` notification. */
  readonly reactions?: ReadonlyArray<{ reactionType?: string | null; user?: { user?: { id?: string | null } | null } | null }> | null;
}

/** Implemented by the connector's relay side; ingress calls it for every observation, awaiting it before acking. */
export abstract class ChatMessageObserver {
  abstract observe(observation: ChatMessageObservation): Promise<void>;

  /**
   * Which of these messages of a chat it has not seen (neither observed nor posted by Parley): ingress reads a chat
   * back before handing a new message over, and hands these over first (NotificationInbox, ADR 0047). An observer
   * that keeps no record answers them all; observations are deduped either way.
   */
  async unseen(chatId: string, messageIds: readonly string[]): Promise<string[]> {
    void chatId;
    return [...messageIds];
  }
}

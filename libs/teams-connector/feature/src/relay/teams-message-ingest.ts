import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { parseTeamsChannelConversationId, type PayloadIn } from '@parley/contracts';
import type { Logger } from '@parley/observability';
import type { Outbox } from '@parley/persistence';
import { inTransaction } from '@parley/persistence';
import { DATA_SOURCE, LOGGER, OUTBOX } from '@parley/service-runtime';
import type { GraphAccess } from '@parley/teams-connector-graph-access';
import { LinkedChannels } from '../channels/linked-channels';
import { GRAPH_ACCESS } from '../graph.providers';
import { sharedFilesOf, sharesFiles } from '../files/shared-files';
import { ChatDirectory } from './chat-directory';
import { ChatOrder } from './chat-order';
import { ChatMessageObserver, type ChatMessageObservation, type GraphChatMessageResource } from './chat-message-observer';
import { contentHash } from './content';
import { InFlightPosts } from './in-flight-posts';
import { messagePlace } from './message-place';
import { RelayStore } from './relay-store';
import { TeamsReactionIngest } from './teams-reaction-ingest';

type Received = PayloadIn<'parley.message.received.v2'>;

/** How long an observation waits for Parley's own posts in the same chat to be recorded (or read back). */
export const ECHO_WAIT_MS = 5_000;
/** A post whose outcome has been unknown for longer is its delivery's to reconcile; observations stop waiting for it. */
const IN_FLIGHT_HORIZON_MS = 120_000;
/** The most members parley.message.received.v2 carries. */
const MAX_MEMBERS = 50;

export type IngestOutcome = 'published' | 'echo' | 'duplicate' | 'ignored' | 'not-linked';

/**
 * Turns what Teams ingress observed into parley.message.received.v2 (relay.md, Flow; every message, files or not, so
 * a conversation stays on one topic: ADR 0039): drops Parley's own posts (echo:
 * the message id recorded with a delivery; an observation racing the post waits for it), system messages and meeting
 * chats; publishes each (chat, message, version) once, as created, edited or deleted; the chat's kind and members come
 * from Graph (cached). The event goes through the outbox in the transaction that records the version.
 *
 * A channel's messages (conversation `{teamId}/{channelId}`, kind `channel`, no members) are relayed only while the
 * channel is linked and only from the link on (its baseline: older messages, and their later edits, reactions and
 * deletes, are history); a reply names its root as threadRootId (Teams' replyToId).
 */
@Injectable()
export class TeamsMessageIngest extends ChatMessageObserver {
  private readonly store: RelayStore;
  private readonly channels: LinkedChannels;
  private readonly chats = new ChatDirectory();
  /** A chat's observations are ingested one after another, in the order they came (relay.md, Order). */
  private readonly order = new ChatOrder();

  constructor(
    @Inject(GRAPH_ACCESS) private readonly graph: GraphAccess,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(InFlightPosts) private readonly inFlight: InFlightPosts,
    @Inject(TeamsReactionIngest) private readonly reactions: TeamsReactionIngest,
  ) {
    super();
    this.store = new RelayStore(dataSource);
    this.channels = new LinkedChannels(dataSource);
  }

  async observe(observation: ChatMessageObservation): Promise<void> {
    // In the chat's order (one observation at a time per chat). Reactions first, and on every message: those on
    // Parley's own posts are people's, not echoes (ADR 0032).
    const outcome = await this.order.run(observation.chatId, async () => {
      if (!(await this.isRelayedChannelMessage(observation))) return 'not-linked';
      await this.reactions.ingest(observation);
      return this.ingest(observation);
    });
    const where = { conversationId: observation.chatId, messageId: observation.messageId, changeType: observation.changeType, source: observation.source };
    if (outcome === 'published') this.logger.info(where, 'Teams message published to the relay');
    else this.logger.debug({ ...where, outcome }, 'teams message observation not relayed');
  }

  /** Neither recorded as observed nor one of Parley's own posts. */
  override async unseen(chatId: string, messageIds: readonly string[]): Promise<string[]> {
    return this.store.unseen(chatId, messageIds);
  }

  async ingest(o: ChatMessageObservation): Promise<IngestOutcome> {
    const message = o.message;
    if (message?.messageType && message.messageType !== 'message') return 'ignored';
    const senderFromMessage = message?.from?.user?.id ?? undefined;
    if (message && !senderFromMessage) return 'ignored'; // an app's or the system's message: nobody to relay as
    if (await this.isEcho(o, senderFromMessage)) return 'echo';

    const deleted = o.changeType === 'deleted' || !!message?.deletedDateTime;
    const versionAt = versionOf(message, deleted);
    const connection = await this.graph.forConnection(o.orgId, o.connectionId);
    // What was seen before matters here only without the resource's sender, or for a delete.
    const previous = senderFromMessage && !deleted ? undefined : await this.store.observed(this.dataSource, o.chatId, o.messageId, false);
    const sender = senderFromMessage ?? previous?.senderUserId;
    // A deletion of something never relayed (or whose sender is unknown) has nothing to undo on the other side.
    if (!sender || (deleted && !previous)) return 'ignored';

    const inChannel = parseTeamsChannelConversationId(o.chatId) !== null;
    let conversation: Received['conversation'];
    if (inChannel) {
      conversation = { platform: 'teams', conversationId: o.chatId, kind: 'channel' };
    } else {
      const chat = await this.chats.info(connection.app('customer'), o.connectionId, o.chatId, sender);
      const kind = chat.chatType === 'oneOnOne' ? 'dm' : chat.chatType === 'group' ? 'group' : null;
      if (!kind) return 'ignored'; // meeting chats (and any kind Graph adds later) are not relayed
      if (chat.memberIds.length > MAX_MEMBERS) {
        this.logger.warn({ chatId: o.chatId, members: chat.memberIds.length }, 'teams chat has more members than a relayed conversation carries; first 50 sent');
      }
      conversation = { platform: 'teams', conversationId: o.chatId, kind, members: chat.memberIds.slice(0, MAX_MEMBERS) };
    }
    // A channel reply is addressed under its root, on this side and on the relay's: every change of it names the root.
    const channelRoot = inChannel ? (message?.replyToId ?? o.threadRootId) : undefined;
    // The files a new message shares, described before the transaction (Graph calls); an edit carries none (ADR 0041).
    const files = message && !deleted && sharesFiles(message) && !(await this.store.observed(this.dataSource, o.chatId, o.messageId, false))
      ? await sharedFilesOf(connection.app('customer'), messagePlace(o.chatId, channelRoot ?? undefined), message, this.logger)
      : [];

    return inTransaction(this.dataSource, async (manager) => {
      const before = await this.store.observed(manager, o.chatId, o.messageId, true);
      let change: Received['change'];
      if (!before) {
        if (deleted) return 'ignored';
        change = 'created';
      } else if (before.deleted) {
        return 'duplicate';
      } else if (deleted) {
        change = 'deleted';
      } else if (versionAt.getTime() <= before.versionAt.getTime()) {
        return 'duplicate';
      } else if (message?.lastEditedDateTime && Date.parse(message.lastEditedDateTime) > before.versionAt.getTime()) {
        change = 'edited';
      } else {
        // A reaction, a policy flag or an undone delete: a newer version with nothing to relay in this part.
        await this.store.recordObserved(manager, o.chatId, o.messageId, sender, versionAt, false);
        return 'ignored';
      }
      if (!(await this.store.recordObserved(manager, o.chatId, o.messageId, sender, versionAt, deleted))) return 'duplicate';
      await this.outbox.enqueue(manager, 'parley.message.received.v2', {
        orgId: o.orgId,
        connectionId: o.connectionId,
        conversation,
        change,
        messageId: o.messageId,
        ...(message && change !== 'deleted' ? bodyOf(message) : {}),
        ...(channelRoot ? { threadRootId: channelRoot } : {}),
        ...(change === 'created' && files.length > 0 ? { files } : {}),
        senderPlatformUserId: sender,
        platformEventId: o.eventId,
        occurredAt: occurredAt(message, change, versionAt),
        ...writtenAt(message),
      });
      return 'published';
    });
  }

  /**
   * A chat's message always is; a channel's only while the channel is linked, and only a message posted since the
   * link (its baseline). A delete without the resource is let through: ingest relays it only if the message was.
   */
  private async isRelayedChannelMessage(o: ChatMessageObservation): Promise<boolean> {
    const channel = parseTeamsChannelConversationId(o.chatId);
    if (!channel) return true;
    const linked = await this.channels.linked(o.connectionId, channel.teamId, channel.channelId);
    if (!linked) return false;
    // A reply's own time is what counts: a new reply to a root older than the link is new in the linked channel.
    const created = Date.parse(o.message?.createdDateTime ?? '');
    return Number.isNaN(created) || created >= linked.linkedAt.getTime();
  }

  /**
   * Parley's own post: its id is recorded with a delivery. One still in flight in this chat (here, or in another
   * replica, or cut short by a crash) is waited for, up to ECHO_WAIT_MS; one by the same sender with the same text
   * whose outcome is still unknown is taken for it (the poster reconciles before any retry and finds it).
   */
  private async isEcho(o: ChatMessageObservation, sender: string | undefined): Promise<boolean> {
    await this.inFlight.settled(o.chatId, ECHO_WAIT_MS, sender);
    const deadline = Date.now() + ECHO_WAIT_MS;
    const content = o.message?.body?.content;
    for (;;) {
      if (await this.store.isOwnMessage(o.chatId, o.messageId)) return true;
      if (!sender) return false;
      const pending = (await this.store.inFlight(o.chatId, IN_FLIGHT_HORIZON_MS)).filter((p) => p.senderUserId === sender);
      if (pending.length === 0) return false;
      if (content && o.changeType === 'created' && pending.some((p) => p.contentHash === contentHash(content, p.deliveryId))) return true;
      if (Date.now() > deadline) return false;
      await sleep(50);
    }
  }
}

function versionOf(message: GraphChatMessageResource | undefined, deleted: boolean): Date {
  const stamp = message?.lastModifiedDateTime ?? (deleted ? message?.deletedDateTime : undefined) ?? message?.createdDateTime;
  const parsed = stamp ? Date.parse(stamp) : NaN;
  return Number.isNaN(parsed) ? new Date() : new Date(parsed);
}

function occurredAt(message: GraphChatMessageResource | undefined, change: Received['change'], versionAt: Date): string {
  const stamp = change === 'created' ? message?.createdDateTime : change === 'edited' ? message?.lastEditedDateTime : message?.deletedDateTime;
  const parsed = stamp ? Date.parse(stamp) : NaN;
  return (Number.isNaN(parsed) ? versionAt : new Date(parsed)).toISOString();
}

/** When the message itself was written (its createdDateTime), when Graph says. */
function writtenAt(message: GraphChatMessageResource | undefined): Pick<Received, 'writtenAt'> {
  const parsed = Date.parse(message?.createdDateTime ?? '');
  return Number.isNaN(parsed) ? {} : { writtenAt: new Date(parsed).toISOString() };
}

/** The body in Teams' own format, with its mentions, and the quoted message a reply refers to. */
function bodyOf(message: GraphChatMessageResource): Pick<Received, 'body' | 'threadRootId'> {
  const html = (message.body?.contentType ?? 'html').toLowerCase() === 'html';
  const mentions = (message.mentions ?? []).map((m) => ({
    id: m.id,
    mentionText: m.mentionText ?? '',
    ...(m.mentioned?.user?.id ? { userId: m.mentioned.user.id } : {}),
  }));
  const quoted = (message.attachments ?? []).find((a) => a.contentType === 'messageReference' && a.id);
  return {
    body: { format: html ? 'teams-html' : 'plain', content: message.body?.content ?? '', ...(mentions.length > 0 ? { mentions } : {}) },
    ...(quoted?.id ? { threadRootId: quoted.id } : {}),
  };
}

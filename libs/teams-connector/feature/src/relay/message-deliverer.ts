import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Payload, PayloadIn } from '@parley/contracts';
import type { Logger } from '@parley/observability';
import { inTransaction, type Outbox } from '@parley/persistence';
import { DATA_SOURCE, LOGGER, OUTBOX } from '@parley/service-runtime';
import { GraphRequestError, NeedsAttentionError, type ConnectionGraph, type GraphAccess, type GraphApi } from '@parley/teams-connector-graph-access';
import { RefusedError, refusalReason } from '../failures';
import { GRAPH_ACCESS } from '../graph.providers';
import { TeamMembershipAggregator } from '../guests/team-membership';
import { joinChannel } from './channel-membership';
import { ChatPoster, type ChatPost } from './chat-poster';
import { escapeHtml } from './content';
import { InFlightPosts } from './in-flight-posts';
import { messagePath, messagePlace, softDeletePath, type MessagePlace } from './message-place';
import { RelayStore, type DeliveryRow, type PostRow } from './relay-store';
import { FileCarrier, type FileDestination } from '../files/file-carrier';

/** A v1 request, or a v2 one: a create with files (ADR 0039), answered on parley.message.delivered.v2. */
type DeliverRequested = Payload<'parley.teams.message.deliver.requested.v1'> & Partial<Pick<Payload<'parley.teams.message.deliver.requested.v2'>, 'files' | 'filesFrom'>>;
type Delivered = PayloadIn<'parley.message.delivered.v2'>;
type Body = NonNullable<DeliverRequested['body']>;
type NotCarried = NonNullable<Delivered['filesNotCarried']>;

/** What a post carries of the request's files: extra Graph fields, body tags, and what stayed behind. */
interface PostFiles {
  readonly hostedContents?: readonly unknown[];
  readonly attachments?: readonly unknown[];
  readonly html: string;
  readonly notCarried: NotCarried;
}
const NO_FILES: PostFiles = { html: '', notCarried: [] };

export type DeliveryOutcome = 'delivered' | 'fallback' | 'failed' | 'duplicate';

/** A chat opened for a group delivery is looked for among the sender's chats created this long before the attempt. */
const CLOCK_SKEW_MS = 60_000;

/**
 * Carries parley.teams.message.deliver.requested.v1 into Teams as the sender (their guest or consented account):
 * opens the chat when asked (a 1:1 is found or created by Graph; a group chat's id is recorded before anything is
 * posted in it, and an opening whose outcome is unknown is looked for before opening again), posts (replyWithQuote for
 * a reply), edits or soft-deletes, each paced per chat, per user and per tenant (graph-access), and publishes
 * parley.message.delivered.v1 through the outbox with the message id or Graph's reason. When Parley has no voice for
 * the sender, the service account posts the message, headed with the sender's name, in its 1:1 chat with each
 * recipient (relay.md, Fallback); an edit or delete of such a message changes those posts as the service account.
 *
 * A channel (`{teamId}/{channelId}`, ADR 0036) takes the same steps with a channel's addresses: a reply goes under its
 * root (`.../messages/{root}/replies`), and so do its edits and deletes. A sender Graph refuses for not being in the
 * team is added by the team owner and the post is made again; the fallback is the service account's post in the
 * channel itself (under the root for a reply).
 */
@Injectable()
export class MessageDeliverer {
  private readonly store: RelayStore;
  private readonly poster: ChatPoster;
  private readonly userIds = new Map<string, string>();

  constructor(
    @Inject(GRAPH_ACCESS) private readonly graph: GraphAccess,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(InFlightPosts) inFlight: InFlightPosts,
    @Inject(TeamMembershipAggregator) private readonly memberships: TeamMembershipAggregator,
    @Inject(FileCarrier) private readonly files: FileCarrier,
  ) {
    this.store = new RelayStore(dataSource);
    this.poster = new ChatPoster(this.store, inFlight, graph.retry, logger);
  }

  async deliver(command: DeliverRequested): Promise<DeliveryOutcome> {
    const row = await this.store.beginDelivery(command.deliveryId, command.orgId, command.connectionId, command.target.kind === 'existing' ? command.target.conversationId : null);
    if (row.completedAt) return 'duplicate';
    const step: Step = { doing: 'reading the Teams connection' };
    let connection: ConnectionGraph | undefined;
    try {
      connection = await this.graph.forConnection(command.orgId, command.connectionId);
      // An edit or delete of a message the service account posted for its sender changes those posts, in the voice that
      // made them, whoever the sender is (their own token could not change the service account's posts).
      if (command.change !== 'create' && command.targetMessageId) {
        const fallbackPosts = await this.store.fallbackPostsOf(command.connectionId, command.targetMessageId);
        if (fallbackPosts.length > 0) return await this.changeFallbackPosts(connection, command, fallbackPosts);
      }
      const result = await this.asSender(connection, command, row, step);
      return this.finish(command, { outcome: 'delivered', voice: 'person', ...result, ...(step.notCarried ? { notCarried: step.notCarried } : {}) });
    } catch (error) {
      const noVoice = this.noVoice(error, command);
      if (noVoice && connection) {
        this.logger.warn({ deliveryId: command.deliveryId, senderPersonId: command.senderPersonId, reason: noVoice }, 'no voice for the sender; the service account posts for them');
        return this.fallback(connection, command, noVoice);
      }
      const reason = refusalReason(error, step.doing);
      if (reason === null) throw error;
      const chatId = (await this.store.delivery(command.deliveryId))?.chatId ?? null;
      return this.finish(command, { outcome: 'failed', reason, chatId });
    }
  }

  private async asSender(connection: ConnectionGraph, command: DeliverRequested, row: DeliveryRow, step: Step): Promise<{ chatId: string; messageId?: string }> {
    const read = connection.person(command.senderPersonId);
    step.doing = 'signing in as the sender';
    const senderUserId = await this.userIdOf(read, `${command.connectionId}|person:${command.senderPersonId}`);
    const chatId = row.chatId ?? (await this.open(read, command, senderUserId, step));
    const place = messagePlace(chatId, command.threadRootId);
    if (command.change === 'create') {
      const body = createBody(command);
      step.doing = `posting in ${placeName(place)} as the sender`;
      const send = connection.person(command.senderPersonId, { maxAttempts: 1 });
      const messageId = place.kind === 'chat' ? await this.postAsSender(send, read, command, place, senderUserId, body, step) : await this.postInChannel(connection, send, read, command, place, senderUserId, body, step);
      return { chatId, messageId };
    }
    const target = command.targetMessageId;
    if (!target) throw new RefusedError(`an ${command.change} needs targetMessageId`);
    if (command.change === 'edit') {
      const body = requireBody(command);
      step.doing = `editing message ${target} in ${placeName(place)} as the sender`;
      const { content, mentions } = graphMessage(body);
      await read.request('PATCH', messagePath(place, target), { body: { body: { contentType: contentTypeOf(body), content }, ...(mentions.length > 0 ? { mentions } : {}) } });
      return { chatId, messageId: target };
    }
    step.doing = `deleting message ${target} in ${placeName(place)} as the sender`;
    await read.request('POST', softDeletePath(place, target, senderUserId));
    return { chatId };
  }

  /**
   * Posts in a channel (under the root for a reply) as the sender. Graph refuses a sender who is not a member of the
   * team, or of a private channel (403): the team owner adds them (joinChannel) and the post is made again, once. A
   * sender who cannot be added keeps Graph's refusal, which makes the service account post for them.
   */
  private async postInChannel(
    connection: ConnectionGraph,
    send: GraphApi,
    read: GraphApi,
    command: DeliverRequested,
    place: Extract<MessagePlace, { kind: 'channel' }>,
    senderUserId: string,
    body: Body | undefined,
    step: Step,
  ): Promise<string> {
    // The files go to the channel's folder as the sender, before the post that attaches them; a sender Graph refuses
    // there (not in the team yet) is added like one refused the post.
    const attempt = async (): Promise<string> => {
      const files = await this.carryFiles(read, { kind: 'channel', teamId: place.teamId, channelId: place.channelId }, command, step);
      return this.poster.post(send, read, { deliveryId: command.deliveryId, slot: 'message', place, senderUserId, ...composePost(body, files) });
    };
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof GraphRequestError && error.status === 403)) throw error;
      step.doing = `adding the sender to team ${place.teamId} and its channel ${place.channelId} as the team owner`;
      const refusal = await joinChannel(this.memberships, connection, place, senderUserId);
      if (refusal) throw new GraphRequestError(403, error.code, `${error.graphMessage}; ${refusal}`, error.target);
      this.logger.info({ deliveryId: command.deliveryId, teamId: place.teamId, channelId: place.channelId }, 'sender was refused in the channel; added as a member, posting again');
      step.doing = `posting in ${placeName(place)} as the sender, once added as a member`;
      return attempt();
    }
  }

  private async postAsSender(send: GraphApi, read: GraphApi, command: DeliverRequested, place: MessagePlace, senderUserId: string, body: Body | undefined, step: Step): Promise<string> {
    // A chat's files go to the sender's OneDrive (where Teams keeps the files people share in chats), shared with the rest.
    const files = await this.carryFiles(read, { kind: 'onedrive', shareWith: chatMembersBut(command, senderUserId) }, command, step);
    const post = { deliveryId: command.deliveryId, slot: 'message', place, senderUserId, ...composePost(body, files) };
    if (!command.threadRootId) return this.poster.post(send, read, post);
    try {
      return await this.poster.post(send, read, { ...post, quoteId: command.threadRootId });
    } catch (error) {
      // The quoted message is gone or cannot be quoted: the reply still arrives, as a message of its own.
      if (!(error instanceof GraphRequestError && (error.status === 404 || error.status === 400))) throw error;
      this.logger.info({ deliveryId: command.deliveryId, quoted: command.threadRootId, status: error.status }, 'replyWithQuote refused; posting the reply without the quote');
      return this.poster.post(send, read, { ...post, slot: 'message:unquoted' });
    }
  }

  /**
   * Opens the target chat as the sender. Graph answers an existing 1:1 for the same two people; a group chat is created
   * anew each time, so its opening is recorded first and, when an earlier one's outcome is unknown, the sender's chats
   * are searched for it before creating another.
   */
  private async open(api: GraphApi, command: DeliverRequested, senderUserId: string, step: { doing: string }): Promise<string> {
    if (command.target.kind !== 'open') throw new RefusedError('no chat to deliver to');
    if (command.change !== 'create') throw new RefusedError(`an ${command.change} needs an existing chat`);
    const members = [...new Set([senderUserId, ...command.target.memberPlatformUserIds])];
    const group = command.target.conversationKind === 'group' || members.length > 2;
    step.doing = `opening a ${group ? 'group chat' : '1:1 chat'} as the sender`;
    const openKey = `${group ? 'group' : 'oneOnOne'}:${[...members].sort().join(',')}`;
    if (group) {
      // Another delivery to the same people (the relay had not heard of the twin yet) already opened it.
      const twin = await this.store.chatOpenedFor(openKey);
      if (twin) {
        await this.store.recordChat(command.deliveryId, twin, openKey);
        return twin;
      }
      const earlier = (await this.store.delivery(command.deliveryId))?.openingSince;
      if (earlier) {
        const found = await this.findGroupChat(api, members, earlier.getTime() - CLOCK_SKEW_MS);
        if (found) {
          await this.store.recordChat(command.deliveryId, found, openKey);
          return found;
        }
      }
      await this.store.markOpening(command.deliveryId);
    }
    const chat = await api.post<{ id: string }>('/chats', {
      chatType: group ? 'group' : 'oneOnOne',
      members: members.map((id) => ({
        '@odata.type': '#microsoft.graph.aadUserConversationMember',
        roles: ['owner'],
        'user@odata.bind': `https://graph.microsoft.com/v1.0/users('${id}')`,
      })),
    });
    await this.store.recordChat(command.deliveryId, chat.id, openKey);
    return chat.id;
  }

  private async findGroupChat(api: GraphApi, members: readonly string[], since: number): Promise<string | null> {
    const wanted = [...members].sort().join(',');
    for await (const page of api.pages<{ id: string; chatType?: string; createdDateTime?: string }>('/chats')) {
      for (const chat of page.value) {
        if (chat.chatType !== 'group' || Date.parse(chat.createdDateTime ?? '') < since) continue;
        const listed = await api.get<{ value?: { userId?: string }[] }>(`/chats/${encodeURIComponent(chat.id)}/members`);
        const have = (listed.value ?? []).map((m) => m.userId ?? '').sort().join(',');
        if (have === wanted && !(await this.store.isChatOfAnotherDelivery(chat.id))) return chat.id;
      }
    }
    return null;
  }

  /**
   * The service account posts for the sender, headed with their name: in a channel, in the channel itself (under the
   * root for a reply); for a chat, in its 1:1 chat with each recipient.
   */
  private async fallback(connection: ConnectionGraph, command: DeliverRequested, why: string): Promise<DeliveryOutcome> {
    const chatId = (await this.store.delivery(command.deliveryId))?.chatId ?? null;
    let doing = 'signing in as the service account (team owner)';
    try {
      if (command.change !== 'create') throw new RefusedError(`Parley cannot ${command.change} the message as the sender: ${why}`);
      const body = createBody(command);
      const read = connection.teamOwner();
      const send = connection.teamOwner({ maxAttempts: 1 });
      const ownerUserId = await this.userIdOf(read, `${command.connectionId}|team-owner`);
      const place = command.target.kind === 'existing' ? messagePlace(command.target.conversationId, command.threadRootId) : null;
      // The service account carries the files too: to the channel's folder, or its own OneDrive for its 1:1 chats.
      doing = 'carrying the files as the service account';
      const step: Step = { doing };
      const destination: FileDestination =
        place?.kind === 'channel' ? { kind: 'channel', teamId: place.teamId, channelId: place.channelId } : { kind: 'onedrive', shareWith: chatMembersBut(command, ownerUserId) };
      const files = await this.carryFiles(read, destination, command, step);
      const content = `${fallbackContent(command.senderDisplayName, body)}${files.html}`;
      const extra = { ...(files.hostedContents ? { hostedContents: files.hostedContents } : {}), ...(files.attachments ? { attachments: files.attachments } : {}) };
      const notCarried = step.notCarried ? { notCarried: step.notCarried } : {};
      if (place?.kind === 'channel') {
        doing = `posting for the sender in ${placeName(place)} as the service account`;
        const messageId = await this.poster.post(send, read, { deliveryId: command.deliveryId, slot: 'fallback:channel', place, senderUserId: ownerUserId, body: { contentType: 'html', content }, ...extra });
        const fallbackPosts = [{ conversationId: place.conversationId, platformMessageId: messageId }];
        return this.finish(command, { outcome: 'delivered', voice: 'fallback', fallbackPosts, reason: why, chatId: place.conversationId, messageId, ...notCarried });
      }
      const recipients = [...new Set(command.recipientPlatformUserIds)].filter((id) => id !== ownerUserId);
      if (recipients.length === 0) throw new RefusedError(`Parley cannot speak as the sender (${why}) and there is no recipient to post to instead`);
      const fallbackPosts: { conversationId: string; platformMessageId: string }[] = [];
      for (const recipient of recipients) {
        doing = `opening the service account's 1:1 chat with ${recipient}`;
        const chat = await this.oneOnOne(read, ownerUserId, recipient);
        doing = `posting for the sender in the service account's chat with ${recipient}`;
        const messageId = await this.poster.post(send, read, { deliveryId: command.deliveryId, slot: `fallback:${recipient}`, place: messagePlace(chat), senderUserId: ownerUserId, body: { contentType: 'html', content }, ...extra });
        fallbackPosts.push({ conversationId: chat, platformMessageId: messageId });
      }
      // The message's link is its first fallback post (its edits and deletes find the rest from it). A chat not opened
      // for the twin is not invented: the outcome names the first chat the service account posted in, which the relay
      // recognises as a fallback post's and does not take for the twin's side.
      const first = fallbackPosts[0] as { conversationId: string; platformMessageId: string };
      const conversationId = chatId ?? (command.target.kind === 'existing' ? command.target.conversationId : first.conversationId);
      return this.finish(command, { outcome: 'delivered', voice: 'fallback', fallbackPosts, reason: why, chatId: conversationId, messageId: first.platformMessageId, ...notCarried });
    } catch (error) {
      const reason = refusalReason(error, doing);
      if (reason === null) throw error;
      // Both refusals: the service account's, and why it was asked to post at all.
      return this.finish(command, { outcome: 'failed', reason: `${reason} (the service account was posting because ${why})`, chatId });
    }
  }

  /**
   * Edits or soft-deletes the service account's fallback posts of a message, as the service account (Graph lets only
   * the delegated sender change a message): in 1:1 chats, or the one in a channel (under the root for a reply). A
   * refusal fails the delivery with Graph's reason.
   */
  private async changeFallbackPosts(connection: ConnectionGraph, command: DeliverRequested, posts: readonly PostRow[]): Promise<DeliveryOutcome> {
    let doing = 'signing in as the service account (team owner)';
    const fallbackPosts = posts.map((p) => ({ conversationId: p.chatId, platformMessageId: p.messageId as string }));
    const first = fallbackPosts[0] as { conversationId: string; platformMessageId: string };
    const conversationId = command.target.kind === 'existing' ? command.target.conversationId : first.conversationId;
    try {
      const api = connection.teamOwner();
      const ownerUserId = await this.userIdOf(api, `${command.connectionId}|team-owner`);
      const content = command.change === 'edit' ? fallbackContent(command.senderDisplayName, requireBody(command)) : '';
      for (const post of fallbackPosts) {
        const place = messagePlace(post.conversationId, command.threadRootId);
        if (command.change === 'edit') {
          doing = `editing the service account's post ${post.platformMessageId} in ${placeName(place)}`;
          await api.request('PATCH', messagePath(place, post.platformMessageId), { body: { body: { contentType: 'html', content } } });
        } else {
          doing = `deleting the service account's post ${post.platformMessageId} in ${placeName(place)}`;
          await api.request('POST', softDeletePath(place, post.platformMessageId, ownerUserId));
        }
      }
      return this.finish(command, {
        outcome: 'delivered',
        voice: 'fallback',
        chatId: conversationId,
        ...(command.change === 'edit' ? { messageId: command.targetMessageId } : {}),
        fallbackPosts,
      });
    } catch (error) {
      const reason = refusalReason(error, doing);
      if (reason === null) throw error;
      return this.finish(command, { outcome: 'failed', reason, chatId: conversationId });
    }
  }

  async oneOnOne(api: GraphApi, ownUserId: string, otherUserId: string): Promise<string> {
    const chat = await api.post<{ id: string }>('/chats', {
      chatType: 'oneOnOne',
      members: [ownUserId, otherUserId].map((id) => ({
        '@odata.type': '#microsoft.graph.aadUserConversationMember',
        roles: ['owner'],
        'user@odata.bind': `https://graph.microsoft.com/v1.0/users('${id}')`,
      })),
    });
    return chat.id;
  }

  /** A v2 request's files, carried by `api` to `destination`; what stayed behind is kept on the step for the outcome. */
  private async carryFiles(api: GraphApi, destination: FileDestination, command: DeliverRequested, step: Step): Promise<PostFiles> {
    if (!command.files?.length || !command.filesFrom) return NO_FILES;
    const previous = step.doing;
    step.doing = `carrying ${command.files.length} file(s) from ${command.filesFrom.platform}`;
    const carried = await this.files.carry(api, destination, { orgId: command.orgId, deliveryId: command.deliveryId, files: command.files, filesFrom: command.filesFrom });
    step.doing = previous;
    step.notCarried = carried.notCarried.map((f) => ({ ref: f.ref, reason: f.reason }));
    return carried;
  }

  /** The Entra object id a delegated token speaks as (GET /me, remembered: it never changes). */
  async userIdOf(api: GraphApi, key: string): Promise<string> {
    const known = this.userIds.get(key);
    if (known) return known;
    const me = await api.get<{ id: string }>('/me?$select=id');
    this.userIds.set(key, me.id);
    return me.id;
  }

  /** Parley cannot speak as the sender for a new message: identity cannot sign in, or Graph refuses the token. */
  private noVoice(error: unknown, command: DeliverRequested): string | null {
    if (error instanceof NeedsAttentionError && error.subject.kind === 'person') return `Parley cannot sign in as the sender: ${error.reason}`;
    if (command.change === 'create' && error instanceof GraphRequestError && (error.status === 401 || error.status === 403)) {
      return `Graph refused the sender's token (${error.status}${error.code ? ` ${error.code}` : ''}): ${error.graphMessage}`;
    }
    return null;
  }

  private async finish(
    command: DeliverRequested,
    result: { outcome: 'delivered' | 'failed'; chatId?: string | null; messageId?: string; voice?: 'person' | 'fallback'; reason?: string; fallbackPosts?: Delivered['fallbackPosts']; notCarried?: NotCarried },
  ): Promise<DeliveryOutcome> {
    // A v2 request (files) is answered on v2, naming the files that did not make it: all of them when it failed.
    const withFiles = (command.files?.length ?? 0) > 0;
    const notCarried = result.outcome === 'failed' ? (command.files ?? []).map((f) => ({ ref: f.ref, reason: (result.reason ?? 'the delivery failed').slice(0, 500) })) : (result.notCarried ?? []);
    const conversationId = result.chatId ?? (command.target.kind === 'existing' ? command.target.conversationId : `open:${[...command.target.memberPlatformUserIds].sort().join(',')}`);
    const event: Delivered = {
      orgId: command.orgId,
      deliveryId: command.deliveryId,
      conversation: { platform: 'teams', conversationId },
      outcome: result.outcome,
      ...(result.messageId ? { platformMessageId: result.messageId } : {}),
      ...(result.voice ? { voice: result.voice } : {}),
      ...(result.fallbackPosts ? { fallbackPosts: result.fallbackPosts } : {}),
      ...(result.reason ? { reason: result.reason.slice(0, 2000) } : {}),
      ...(withFiles && notCarried.length > 0 ? { filesNotCarried: notCarried.map((f) => ({ ref: f.ref, reason: f.reason.slice(0, 500) })) } : {}),
      deliveredAt: new Date().toISOString(),
    };
    const applied = await inTransaction(this.dataSource, async (manager) => {
      if (!(await this.store.complete(manager, command.deliveryId, result.outcome))) return false;
      if (withFiles) await this.outbox.enqueue(manager, 'parley.message.delivered.v2', event);
      else await this.outbox.enqueue(manager, 'parley.message.delivered.v1', event);
      return true;
    });
    if (!applied) return 'duplicate';
    const level = result.outcome === 'failed' ? 'warn' : 'info';
    this.logger[level]({ deliveryId: command.deliveryId, change: command.change, chatId: conversationId, voice: result.voice, reason: result.reason }, `teams delivery ${result.outcome}`);
    return result.outcome === 'failed' ? 'failed' : result.voice === 'fallback' ? 'fallback' : 'delivered';
  }
}

/** A place as a reason names it. */
function placeName(place: MessagePlace): string {
  if (place.kind === 'chat') return `chat ${place.chatId}`;
  return `channel ${place.channelId} of team ${place.teamId}${place.rootId ? ` (thread ${place.rootId})` : ''}`;
}

/** What a step of a delivery is doing (for a refusal's reason), and the files it left behind. */
interface Step {
  doing: string;
  notCarried?: NotCarried;
}

/** Who else is in the target chat (its recipients, and the members of a chat to open): whom a file is shared with. */
function chatMembersBut(command: DeliverRequested, poster: string): string[] {
  const members = command.target.kind === 'open' ? command.target.memberPlatformUserIds : [];
  return [...new Set([...command.recipientPlatformUserIds, ...members])].filter((id) => id !== poster);
}

/** A create's body: required, unless the message is its files alone. */
function createBody(command: DeliverRequested): Body | undefined {
  if (!command.body && (command.files?.length ?? 0) > 0) return undefined;
  return requireBody(command);
}

/**
 * A new post's Graph fields: the body (HTML once files add their `<img>` and `<attachment>` tags to it), mentions, and
 * the files' hosted contents and attachments.
 */
function composePost(body: Body | undefined, files: PostFiles): Pick<ChatPost, 'body' | 'mentions' | 'hostedContents' | 'attachments'> {
  const { content, mentions } = body ? graphMessage(body) : { content: '', mentions: [] };
  if (!files.html) return { body: { contentType: body ? contentTypeOf(body) : 'html', content }, mentions };
  const html = body?.format === 'plain' ? `<p>${escapeHtml(content).replace(/\n/g, '<br>')}</p>` : content;
  return {
    body: { contentType: 'html', content: `${html}${files.html}` },
    mentions,
    ...(files.hostedContents?.length ? { hostedContents: files.hostedContents } : {}),
    ...(files.attachments?.length ? { attachments: files.attachments } : {}),
  };
}

function requireBody(command: DeliverRequested): Body {
  if (!command.body) throw new RefusedError(`a ${command.change} needs a body`);
  if (command.body.format === 'slack-mrkdwn') throw new RefusedError('the body is Slack mrkdwn; Teams takes teams-html or plain');
  return command.body;
}

const contentTypeOf = (body: Body): 'html' | 'text' => (body.format === 'plain' ? 'text' : 'html');

/**
 * The body and mentions as Graph takes them: a mention of someone with an account here becomes Graph's mention of
 * them; one without (a conversation, a tag) keeps its text only, so no `<at>` is left without its entry.
 */
export function graphMessage(body: Body): { content: string; mentions: unknown[] } {
  if (body.format === 'plain') return { content: body.content, mentions: [] };
  const usable = new Map((body.mentions ?? []).filter((m) => m.userId).map((m) => [m.id, m]));
  const content = body.content.replace(/<at\b[^>]*\bid="(\d+)"[^>]*>([\s\S]*?)<\/at>/gi, (whole, id: string, text: string) => (usable.has(Number(id)) ? whole : text));
  const mentions = [...usable.values()].map((m) => ({
    id: m.id,
    mentionText: m.mentionText,
    mentioned: { user: { id: m.userId, displayName: m.mentionText, userIdentityType: 'aadUser' } },
  }));
  return { content, mentions };
}

/** A fallback post: headed with the sender's name, since the service account posts it. */
function fallbackContent(senderDisplayName: string, body: Body | undefined): string {
  return `<p><strong>${escapeHtml(senderDisplayName)}</strong></p>${body ? plainHtml(body) : ''}`;
}

/** The body as HTML with every mention reduced to its text (a fallback post goes where the mentioned may not be). */
function plainHtml(body: Body): string {
  if (body.format === 'plain') return `<p>${escapeHtml(body.content).replace(/\n/g, '<br>')}</p>`;
  return body.content.replace(/<at\b[^>]*>([\s\S]*?)<\/at>/gi, '$1');
}

import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { WebAPICallResult } from '@slack/web-api';
import type { Payload, PayloadIn } from '@parley/contracts';
import type { Logger } from '@parley/observability';
import { inTransaction, type Outbox } from '@parley/persistence';
import { DATA_SOURCE, LOGGER, OUTBOX } from '@parley/service-runtime';
import { retryAfterWaitMs, SlackApiError, SlackRateLimitedError, TOKEN_REFUSED_CODES, type SlackWebApi } from '@parley/slack-connector-slack-access';
import { SlackClients } from '../connections/slack-clients';
import { ConnectionNotFoundError, NotASlackConnectionError, SlackConnections, type SlackConnection } from '../connections/slack-connections';
import { SlackUserTokens } from '../connections/slack-user-tokens';
import { Deliveries, type DeliveryRecord } from './deliveries';
import { PostedMessages } from './posted-messages';
import { DELIVERY_METADATA_TYPE, findPostById } from './read-back';
import { inviteIntoChannel, InviteRefused } from './channel-invite';
import { FileShare } from './file-share';

/** A v1 request, or a v2 one: a create with files to carry (ADR 0039). */
type DeliverRequest = Payload<'parley.slack.message.deliver.requested.v1'> | Payload<'parley.slack.message.deliver.requested.v2'>;
type WithFiles = Payload<'parley.slack.message.deliver.requested.v2'>;

/** A request with files to carry; they are carried on creates only (the relay asks v2 for nothing else). */
export function hasFiles(request: DeliverRequest): request is WithFiles {
  return 'files' in request && Array.isArray(request.files) && request.files.length > 0 && request.change === 'create';
}

/** The comment of the app's upload for someone: their name first, as a post under their name would show it. */
export function fallbackComment(senderName: string, text: string): string {
  const name = senderName.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return text ? `*${name}*: ${text}` : `*${name}*`;
}
type FallbackPost = { conversationId: string; platformMessageId: string };

/** Slack refused the call for good: the delivery fails with Slack's own code as the reason. */
class DeliveryRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** The sender's own voice is unavailable (no consent, or Slack refused their token): the app posts for them. */
class VoiceUnavailable extends Error {}

interface Outcome {
  readonly channelId: string;
  readonly ts?: string;
  readonly voice: 'person' | 'fallback';
  readonly fallbackPosts?: FallbackPost[];
}

/**
 * A delivery into a linked channel: an existing conversation and no recipients (the channel's members see it). Its
 * fallback is the app's post in the channel itself, not in each recipient's DM with the app.
 */
export function isChannelDelivery(request: Pick<DeliverRequest, 'target' | 'recipientPlatformUserIds'>): boolean {
  return request.target.kind === 'existing' && request.recipientPlatformUserIds.length === 0;
}

/**
 * Carries one relay delivery to Slack: posts, edits or deletes as the sender with their user token, or, when Parley
 * cannot speak as them, as the app under their name and picture in each recipient's DM with the app, or in the linked
 * channel itself (relay.md, Fallback). In a linked channel the sender's account is first added by the app when it is
 * not a member. Every attempt is recorded before the call; a create whose earlier attempt's outcome is unknown reads
 * the conversation back for the delivery id first (ADR 0020). A 429 waits and retries, never fails the delivery;
 * Slack's refusals become a failed delivery with Slack's code; anything transient is thrown for the bus to retry.
 */
@Injectable()
export class MessageDelivery {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly connections: SlackConnections,
    private readonly clients: SlackClients,
    private readonly userTokens: SlackUserTokens,
    private readonly deliveries: Deliveries,
    private readonly posted: PostedMessages,
    private readonly files: FileShare,
  ) {}

  async deliver(request: DeliverRequest): Promise<void> {
    const log = this.logger.child({ deliveryId: request.deliveryId, orgId: request.orgId, change: request.change });
    const earlier = await this.deliveries.get(request.deliveryId);
    if (earlier && earlier.state !== 'attempting') {
      // Asked again for a delivery that finished: the relay did not hear its outcome in time (ADR 0029), or the bus
      // redelivered the request. Nothing is posted; the recorded outcome is published again (the relay ignores a second).
      log.info({ state: earlier.state }, 'delivery already finished; publishing its recorded outcome again');
      return this.announceAgain(request, earlier);
    }
    let connection: SlackConnection;
    try {
      connection = await this.connections.withReusedTokens(request.orgId, request.connectionId);
    } catch (error) {
      if (error instanceof ConnectionNotFoundError || error instanceof NotASlackConnectionError) return this.failed(request, undefined, error.message, log);
      throw error;
    }
    try {
      const outcome = await this.carry(request, connection, earlier);
      await this.delivered(request, connection, outcome);
      log.info({ channel: outcome.channelId, ts: outcome.ts, voice: outcome.voice }, 'delivered to Slack');
    } catch (error) {
      if (error instanceof DeliveryRefused) return this.failed(request, connection, error.reason, log);
      // The app's token refused: the next try reads the connection's tokens from identity again.
      if (error instanceof SlackApiError && TOKEN_REFUSED_CODES.has(error.code)) this.connections.forget(request.orgId, request.connectionId);
      throw error;
    }
  }

  private async carry(request: DeliverRequest, connection: SlackConnection, earlier: DeliveryRecord | undefined): Promise<Outcome> {
    // An edit or delete of a fallback post changes the app's posts, whoever the sender is.
    const original = request.targetMessageId ? await this.posted.deliveryOf(connection.settings.teamId, request.targetMessageId) : undefined;
    const originalPosts = original ? await this.posted.ofDelivery(original) : [];
    if (request.change !== 'create' && originalPosts.some((p) => p.kind === 'fallback')) return this.changeFallbackPosts(request, connection, originalPosts);

    const user = earlier?.voice === 'fallback' ? undefined : await this.userTokens.of(request.orgId, request.connectionId, { personId: request.senderPersonId });
    if (user) {
      try {
        const api = this.clients.webApi(connection.settings.apiUrl, user.token, connection.settings.teamId);
        return await this.asPerson(request, connection, api, user.slackUserId, earlier);
      } catch (error) {
        if (error instanceof InviteRefused) {
          this.logger.warn({ deliveryId: request.deliveryId, reason: error.code }, "the sender's Slack account cannot be added to the channel; the app posts for them");
        } else if (error instanceof VoiceUnavailable) {
          this.userTokens.forget(request.orgId, request.connectionId, { personId: request.senderPersonId });
          this.logger.warn({ deliveryId: request.deliveryId, reason: error.message }, "Slack refused the sender's token; the app posts for them");
        } else throw error;
      }
    }
    if (request.change !== 'create') {
      // The person's own message can be changed only with their token.
      throw new DeliveryRefused(`the sender's Slack token is unavailable (no consent or revoked): cannot ${request.change} their message`);
    }
    return this.asFallback(request, connection, earlier);
  }

  private async asPerson(request: DeliverRequest, connection: SlackConnection, api: SlackWebApi, self: string, earlier: DeliveryRecord | undefined): Promise<Outcome> {
    const target = request.target;
    const channelId = target.kind === 'existing' ? target.conversationId : (earlier?.channelId ?? (await this.open(api, target.memberPlatformUserIds.filter((m) => m !== self))));
    const begin = () =>
      this.deliveries.begin({ ...this.ids(request, connection), change: request.change, channelId, voice: 'person', poster: self });
    switch (request.change) {
      case 'create': {
        if (earlier && earlier.voice === 'person') {
          // A person's consent reads their DMs and group DMs only (SLACK_USER_SCOPES: no channels:history); a linked
          // channel is read back by the app, a member of it, which sees the post's metadata as well.
          const reader = isChannelDelivery(request) ? this.clients.webApiFor(connection) : api;
          const found = await this.call(() =>
            findPostById(reader, { channel: channelId, eventType: DELIVERY_METADATA_TYPE, idField: 'delivery_id', id: request.deliveryId, threadTs: request.threadRootId, since: earlier.lastAttemptAt }),
          );
          if (found) {
            this.logger.info({ deliveryId: request.deliveryId, ts: found }, 'an earlier attempt had posted it; not posting again');
            return { channelId, ts: found, voice: 'person' };
          }
        }
        await begin();
        const text = request.body?.content ?? '';
        const post = async (): Promise<WebAPICallResult & { ts?: string; channel?: string }> => {
          if (hasFiles(request)) {
            const ts = await this.shareFiles(request, api, channelId, request.threadRootId, text);
            if (ts) return { ok: true, ts, channel: channelId };
          }
          return this.call(() =>
            api.call<WebAPICallResult & { ts?: string; channel?: string }>('chat.postMessage', {
              channel: channelId,
              text: textOrNote(request, text),
              ...(request.threadRootId ? { thread_ts: request.threadRootId } : {}),
              metadata: { event_type: DELIVERY_METADATA_TYPE, event_payload: { delivery_id: request.deliveryId } },
              unfurl_links: false,
              unfurl_media: false,
            }),
          );
        };
        let answer: WebAPICallResult & { ts?: string; channel?: string };
        try {
          answer = await post();
        } catch (error) {
          // A linked channel the person is not in (yet, or any more): the app adds them and the post is made again.
          // Slack refused the first post, so nothing was posted and nothing can double.
          if (!(isChannelDelivery(request) && error instanceof DeliveryRefused && error.reason === 'not_in_channel')) throw error;
          await this.paced(() => inviteIntoChannel(this.clients.webApiFor(connection), channelId, self));
          this.logger.info({ deliveryId: request.deliveryId, channel: channelId }, "the sender's Slack account was added to the linked channel");
          answer = await post();
        }
        if (!answer.ts) throw new Error('chat.postMessage answered without a ts');
        return { channelId: answer.channel ?? channelId, ts: answer.ts, voice: 'person' };
      }
      case 'edit': {
        const ts = this.targetTs(request);
        await begin();
        await this.call(() => api.call('chat.update', { channel: channelId, ts, text: request.body?.content ?? '' }));
        return { channelId, ts, voice: 'person' };
      }
      case 'delete': {
        const ts = this.targetTs(request);
        await begin();
        try {
          await this.call(() => api.call('chat.delete', { channel: channelId, ts }));
        } catch (error) {
          // Gone already: an earlier attempt whose answer was lost deleted it.
          if (!(earlier && error instanceof DeliveryRefused && error.reason === 'message_not_found')) throw error;
        }
        return { channelId, voice: 'person' };
      }
    }
  }

  /** The app posts for the sender, under their name and picture, in each recipient's DM with the app. */
  private async asFallback(request: DeliverRequest, connection: SlackConnection, earlier: DeliveryRecord | undefined): Promise<Outcome> {
    if (isChannelDelivery(request)) return this.inChannelAsApp(request, connection, earlier);
    const bot = this.clients.webApiFor(connection);
    if (request.recipientPlatformUserIds.length === 0) throw new DeliveryRefused('no_fallback_recipients');
    const done = await this.posted.ofDelivery(request.deliveryId);
    const parentPosts = request.threadRootId ? await this.postsOfMessage(connection, request.threadRootId) : [];
    const posts: FallbackPost[] = [];
    for (const recipient of request.recipientPlatformUserIds) {
      const already = done.find((p) => p.recipient === recipient);
      if (already) {
        posts.push({ conversationId: already.channelId, platformMessageId: already.ts });
        continue;
      }
      const channelId = await this.open(bot, [recipient]);
      const threadTs = parentPosts.find((p) => p.channelId === channelId)?.ts;
      let ts: string | undefined;
      if (earlier && earlier.attempts > 0) {
        ts = await this.call(() =>
          findPostById(bot, { channel: channelId, eventType: DELIVERY_METADATA_TYPE, idField: 'delivery_id', id: request.deliveryId, threadTs, since: earlier.lastAttemptAt }),
        );
      }
      ts ??= await this.postAsApp(request, connection, bot, channelId, threadTs);
      // Each recipient's post is recorded as soon as it exists, so a retry after a crash posts only the rest.
      const posted = { teamId: connection.settings.teamId, channelId, ts, deliveryId: request.deliveryId, kind: 'fallback' as const, recipient };
      await inTransaction(this.dataSource, (manager) => this.posted.record(manager, posted));
      posts.push({ conversationId: channelId, platformMessageId: ts });
    }
    // Nothing was opened for a twin that is not open yet: the outcome names the first conversation the app posted in
    // (a real Slack id, which the relay recognises as a fallback post's and does not take for the twin's side), so the
    // message's link, its edits and deletes and the replies in its thread all point at a post that exists.
    const first = posts[0] as FallbackPost;
    const twin = request.target.kind === 'existing' ? request.target.conversationId : first.conversationId;
    return { channelId: twin, ts: first.platformMessageId, voice: 'fallback', fallbackPosts: posts };
  }

  /**
   * The app posts for the sender in the linked channel itself, under their name and picture, in the thread the request
   * names (the channel's own root: a person's message or an app post). One post, recorded as the message's link.
   */
  private async inChannelAsApp(request: DeliverRequest, connection: SlackConnection, earlier: DeliveryRecord | undefined): Promise<Outcome> {
    const channelId = (request.target as { conversationId: string }).conversationId;
    const bot = this.clients.webApiFor(connection);
    let found: string | undefined = (await this.posted.ofDelivery(request.deliveryId))[0]?.ts;
    if (!found && earlier && earlier.attempts > 0) {
      found = await this.call(() =>
        findPostById(bot, { channel: channelId, eventType: DELIVERY_METADATA_TYPE, idField: 'delivery_id', id: request.deliveryId, threadTs: request.threadRootId, since: earlier.lastAttemptAt }),
      );
    }
    const ts = found ?? (await this.postAsApp(request, connection, bot, channelId, request.threadRootId));
    await inTransaction(this.dataSource, (manager) =>
      this.posted.record(manager, { teamId: connection.settings.teamId, channelId, ts, deliveryId: request.deliveryId, kind: 'fallback' }),
    );
    return { channelId, ts, voice: 'fallback', fallbackPosts: [{ conversationId: channelId, platformMessageId: ts }] };
  }

  /** One post by the app under the sender's name and picture (`chat:write.customize`), its attempt recorded first. */
  private async postAsApp(request: DeliverRequest, connection: SlackConnection, bot: SlackWebApi, channelId: string, threadTs: string | undefined): Promise<string> {
    // The poster is the app's bot user: its post comes back as a bot_message, which ingress drops anyway, so a person
    // writing in the conversation meanwhile (a busy linked channel) need not wait for this post to be recorded.
    await this.deliveries.begin({ ...this.ids(request, connection), change: request.change, channelId, voice: 'fallback', poster: connection.settings.botUserId });
    if (hasFiles(request)) {
      // An upload takes no username or icon: the app's upload names the sender in its comment instead.
      const shared = await this.shareFiles(request, bot, channelId, threadTs, fallbackComment(request.senderDisplayName, request.body?.content ?? ''));
      if (shared) return shared;
    }
    const answer = await this.call(() =>
      bot.call<WebAPICallResult & { ts?: string }>('chat.postMessage', {
        channel: channelId,
        text: textOrNote(request, request.body?.content ?? ''),
        username: request.senderDisplayName,
        ...(request.senderAvatarUrl ? { icon_url: request.senderAvatarUrl } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
        metadata: { event_type: DELIVERY_METADATA_TYPE, event_payload: { delivery_id: request.deliveryId } },
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    if (!answer.ts) throw new Error('chat.postMessage answered without a ts');
    return answer.ts;
  }

  /** Edits or deletes the app's fallback posts of a message (chat.update / chat.delete with the bot token). */
  private async changeFallbackPosts(request: DeliverRequest, connection: SlackConnection, posts: { channelId: string; ts: string; kind: string }[]): Promise<Outcome> {
    const bot = this.clients.webApiFor(connection);
    const fallbackPosts = posts.filter((p) => p.kind === 'fallback');
    for (const post of fallbackPosts) {
      await this.deliveries.begin({ ...this.ids(request, connection), change: request.change, channelId: post.channelId, voice: 'fallback', poster: connection.settings.botUserId });
      try {
        if (request.change === 'edit') await this.call(() => bot.call('chat.update', { channel: post.channelId, ts: post.ts, text: request.body?.content ?? '' }));
        else await this.call(() => bot.call('chat.delete', { channel: post.channelId, ts: post.ts }));
      } catch (error) {
        if (!(request.change === 'delete' && error instanceof DeliveryRefused && error.reason === 'message_not_found')) throw error;
      }
    }
    const twin = request.target.kind === 'existing' ? request.target.conversationId : (fallbackPosts[0]?.channelId ?? '');
    return {
      channelId: twin,
      ts: request.change === 'edit' ? request.targetMessageId : undefined,
      voice: 'fallback',
      fallbackPosts: fallbackPosts.map((p) => ({ conversationId: p.channelId, platformMessageId: p.ts })),
    };
  }

  /**
   * Carries the request's files into the conversation as one share with `comment`, and answers its ts; undefined when
   * no file could be uploaded (the caller posts the text alone). An earlier attempt's upload into this conversation
   * is recognised by its recorded file ids (files.info `shares`) and not shared again; one that uploaded but never
   * shared is replaced by a fresh upload (Slack drops files that are never completed).
   */
  private async shareFiles(request: WithFiles, api: SlackWebApi, channelId: string, threadTs: string | undefined, comment: string): Promise<string | undefined> {
    const target = { channelId, threadTs };
    const paced = <T>(run: () => Promise<T>) => this.paced(run);
    const previous = (await this.deliveries.get(request.deliveryId))?.uploads?.[channelId];
    if (previous?.[0]) {
      const ts = await this.call(() => this.files.sharedAt(api, previous[0] as string, target, paced));
      if (ts) {
        this.logger.info({ deliveryId: request.deliveryId, ts }, 'an earlier attempt had shared the files; not sharing again');
        return ts;
      }
    }
    const uploaded = await this.call(() => this.files.upload(api, request.orgId, request.filesFrom, request.files, paced));
    // Recorded before the share, so a crash after it cannot lead to sharing twice.
    await this.deliveries.recordUploads(request.deliveryId, channelId, uploaded.files.map((f) => f.id), uploaded.notCarried);
    const first = uploaded.files[0];
    if (!first) return undefined;
    try {
      await this.call(() => this.files.share(api, uploaded, { ...target, comment }, paced));
    } catch (error) {
      // Refused (not_in_channel, say): nothing was shared, so the next try uploads afresh rather than wait for a share.
      if (error instanceof DeliveryRefused) await this.deliveries.recordUploads(request.deliveryId, channelId, [], uploaded.notCarried);
      throw error;
    }
    const ts = await this.call(() => this.files.sharedAt(api, first.id, target, paced));
    // Slack shares asynchronously: the next attempt reads it back by the recorded file ids.
    if (!ts) throw new Error('Slack has not shown the shared files yet');
    return ts;
  }

  private async postsOfMessage(connection: SlackConnection, ts: string) {
    const delivery = await this.posted.deliveryOf(connection.settings.teamId, ts);
    return delivery ? this.posted.ofDelivery(delivery) : [];
  }

  /** conversations.open with `users` (the caller is implied: a user token's own id is left out). */
  private async open(api: SlackWebApi, users: readonly string[]): Promise<string> {
    const answer = await this.call(() => api.call<WebAPICallResult & { channel?: { id?: string } }>('conversations.open', { users: users.join(',') }));
    const id = answer.channel?.id;
    if (!id) throw new Error('conversations.open answered without a channel id');
    return id;
  }

  private targetTs(request: DeliverRequest): string {
    if (!request.targetMessageId) throw new DeliveryRefused(`targetMessageId: required to ${request.change} a message`);
    return request.targetMessageId;
  }

  /** A Slack call whose 429s are waited out however long they last; Slack's refusals become DeliveryRefused. */
  private async call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await this.paced(run);
    } catch (error) {
      if (error instanceof SlackApiError) {
        if (TOKEN_REFUSED_CODES.has(error.code)) throw new VoiceUnavailable(error.code);
        throw new DeliveryRefused(error.code);
      }
      throw error;
    }
  }

  /** A Slack call whose 429s are waited out however long they last, never dropping the delivery; errors as they are. */
  private async paced<T>(run: () => Promise<T>): Promise<T> {
    for (let consecutive = 1; ; consecutive++) {
      try {
        return await run();
      } catch (error) {
        if (!(error instanceof SlackRateLimitedError)) throw error;
        const waitMs = retryAfterWaitMs(error.retryAfterSeconds, this.clients.pacer.limits.timeScale, consecutive);
        this.logger.warn({ waitMs, consecutive }, 'Slack still rate limits this delivery; waiting, never dropping');
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }

  private ids(request: DeliverRequest, connection: SlackConnection) {
    return { deliveryId: request.deliveryId, orgId: request.orgId, connectionId: request.connectionId, teamId: connection.settings.teamId };
  }

  private async delivered(request: DeliverRequest, connection: SlackConnection, outcome: Outcome): Promise<void> {
    const notCarried = hasFiles(request) ? (await this.deliveries.get(request.deliveryId))?.filesNotCarried : undefined;
    const event: PayloadIn<'parley.message.delivered.v2'> = {
      orgId: request.orgId,
      deliveryId: request.deliveryId,
      conversation: { platform: 'slack', conversationId: outcome.channelId },
      outcome: 'delivered',
      ...(notCarried?.length ? { filesNotCarried: [...notCarried] } : {}),
      ...(outcome.ts && request.change !== 'delete' ? { platformMessageId: outcome.ts } : {}),
      voice: outcome.voice,
      ...(outcome.fallbackPosts ? { fallbackPosts: outcome.fallbackPosts } : {}),
      deliveredAt: new Date().toISOString(),
    };
    await inTransaction(this.dataSource, async (manager) => {
      await this.deliveries.finish(manager, request.deliveryId, { state: 'delivered', ts: outcome.ts, channelId: outcome.voice === 'person' ? outcome.channelId : undefined });
      if (request.change === 'create' && outcome.voice === 'person' && outcome.ts) {
        await this.posted.record(manager, { teamId: connection.settings.teamId, channelId: outcome.channelId, ts: outcome.ts, deliveryId: request.deliveryId, kind: 'person' });
      }
      await this.announce(manager, request, event);
    });
  }

  /** The outcome of a finished delivery, as it was published when it finished, from what was recorded then. */
  private async announceAgain(request: DeliverRequest, earlier: DeliveryRecord): Promise<void> {
    // A change of fallback posts changed the posts of the delivery that made them.
    const original = request.change !== 'create' && request.targetMessageId && earlier.teamId ? await this.posted.deliveryOf(earlier.teamId, request.targetMessageId) : undefined;
    const posts = await this.posted.ofDelivery(original ?? request.deliveryId);
    const fallbackPosts = posts.filter((p) => p.kind === 'fallback').map((p) => ({ conversationId: p.channelId, platformMessageId: p.ts }));
    const fallback = earlier.voice === 'fallback';
    const conversationId =
      request.target.kind === 'existing'
        ? request.target.conversationId
        : fallback
          ? (fallbackPosts[0]?.conversationId ?? earlier.channelId)
          : earlier.channelId;
    const event: PayloadIn<'parley.message.delivered.v2'> = {
      orgId: request.orgId,
      deliveryId: request.deliveryId,
      conversation: { platform: 'slack', conversationId: conversationId ?? `open:${openMembers(request)}` },
      ...(hasFiles(request) && earlier.state === 'delivered' && earlier.filesNotCarried?.length ? { filesNotCarried: [...earlier.filesNotCarried] } : {}),
      outcome: earlier.state === 'delivered' ? 'delivered' : 'failed',
      ...(earlier.state === 'delivered' && earlier.ts && request.change !== 'delete' ? { platformMessageId: earlier.ts } : {}),
      ...(earlier.state === 'delivered' && earlier.voice ? { voice: earlier.voice } : {}),
      ...(earlier.state === 'delivered' && fallback && fallbackPosts.length > 0 ? { fallbackPosts } : {}),
      ...(earlier.state === 'failed' ? { reason: earlier.reason ?? 'Slack refused it (the reason was published when it failed)' } : {}),
      deliveredAt: new Date().toISOString(),
    };
    await inTransaction(this.dataSource, (manager) => this.announce(manager, request, event));
  }

  private async failed(request: DeliverRequest, connection: SlackConnection | undefined, reason: string, log: Logger): Promise<void> {
    log.warn({ reason }, 'Slack delivery failed');
    const target = request.target.kind === 'existing' ? request.target.conversationId : `open:${openMembers(request)}`;
    await inTransaction(this.dataSource, async (manager) => {
      await this.deliveries.failWithoutAttempt(
        manager,
        { deliveryId: request.deliveryId, orgId: request.orgId, connectionId: request.connectionId, teamId: connection?.settings.teamId ?? '', change: request.change },
        reason,
      );
      await this.announce(manager, request, {
        orgId: request.orgId,
        deliveryId: request.deliveryId,
        conversation: { platform: 'slack', conversationId: target },
        outcome: 'failed',
        reason,
        deliveredAt: new Date().toISOString(),
      });
    });
  }

  /** The outcome on the version the request came on: a v2 request (files) is answered on v2, with filesNotCarried. */
  private async announce(manager: EntityManager, request: DeliverRequest, event: PayloadIn<'parley.message.delivered.v2'>): Promise<void> {
    if (hasFiles(request)) return this.outbox.enqueue(manager, 'parley.message.delivered.v2', event);
    const { filesNotCarried: _unused, ...v1 } = event;
    await this.outbox.enqueue(manager, 'parley.message.delivered.v1', v1);
  }
}

/** The text of a post; a message whose files all failed and that had no text says so rather than post nothing. */
function textOrNote(request: DeliverRequest, text: string): string {
  if (text || !hasFiles(request)) return text;
  return `_(${request.files.length === 1 ? 'a file' : `${request.files.length} files`} could not be carried)_`;
}

/** The members of a conversation still to be opened, as the relay keys it (`open:<sorted ids>`). */
const openMembers = (request: DeliverRequest): string =>
  request.target.kind === 'open' ? [...request.target.memberPlatformUserIds].sort().join(',') : '';

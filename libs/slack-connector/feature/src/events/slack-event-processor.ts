import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { PayloadIn } from '@parley/contracts';
import type { Logger } from '@parley/observability';
import { inTransaction, LaneDrainer, OrderWindow, type LaneSource, type Outbox } from '@parley/persistence';
import { DATA_SOURCE, LOGGER, OUTBOX } from '@parley/service-runtime';
import { SlackApiError, type SlackWebApi } from '@parley/slack-connector-slack-access';
import type { WebAPICallResult } from '@slack/web-api';
import { SLACK_CONNECTOR_CONFIG, type SlackConnectorConfig } from '../config';
import { SlackClients } from '../connections/slack-clients';
import { SlackConnections } from '../connections/slack-connections';
import { SlackUserTokens } from '../connections/slack-user-tokens';
import { ChannelLinks } from '../channels/channel-links';
import { PostedMessages } from '../delivery/posted-messages';
import { InboundEvents, type InboundEvent } from './inbound-events';
import { readMessageEvent, type MessageChange } from './message-event';
import { readReactionEvent, type ReactionChange } from './reaction-event';
import { encodeFileRef } from '../files/file-ref';

/**
 * A claim on a lane's events lasts this long and is renewed every RENEW_MS while they are handled, so a replica that
 * dies (SIGKILL, OOM) holds its conversations back 30 s at most.
 */
const LEASE_SECONDS = 30;
const RENEW_MS = 10_000;
const POLL_MS = 2_000;
/** Conversations one replica handles side by side. */
const CONCURRENCY = 16;
const MAX_MEMBERS = 50;
const MAX_KNOWN_KINDS = 10_000;

interface Authorization {
  readonly userId: string;
  readonly isBot: boolean;
}

function authorizationOf(envelope: Record<string, unknown>): Authorization | undefined {
  const list = Array.isArray(envelope['authorizations']) ? (envelope['authorizations'] as Record<string, unknown>[]) : [];
  const first = list.find((a) => typeof a?.['user_id'] === 'string');
  return first ? { userId: first['user_id'] as string, isBot: first['is_bot'] === true } : undefined;
}

/** A reaction event that matches one Parley made this recently is its echo (Slack sends it within seconds). */
const REACTION_ECHO_WINDOW_SECONDS = 300;

/**
 * Turns stored Events API deliveries into parley.message.received.v2 (files included), after the ack. Events of one conversation are
 * handled one after another in Slack's order (event_ts); conversations side by side, each claimed whole, and one that
 * waits (an echo, a slow call) holds back only itself (LaneDrainer, ADR 0042). An event is dropped when it is
 * Parley's own post (its `ts` recorded by a delivery; one that races a post waits for it), and published once per
 * message however many installations or retries brought it. A transient failure (Slack or identity down) leaves the
 * event stored and it is tried again; nothing acked is lost.
 */
@Injectable()
export class SlackEventProcessor implements OnApplicationBootstrap, OnApplicationShutdown, LaneSource<InboundEvent> {
  private readonly drainer: LaneDrainer<InboundEvent>;
  /** How long a lane's newest event waits for earlier ones that Slack sends late (ADR 0042, 0055). */
  private readonly orderWindow: OrderWindow;
  private lastPurge = 0;
  private readonly members = new Map<string, { value: string[]; expiresAt: number }>();
  /** Whether a conversation a reaction names is a group DM or a channel: a conversation never changes kind. */
  private readonly kinds = new Map<string, 'group' | 'channel'>();

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SLACK_CONNECTOR_CONFIG) private readonly config: SlackConnectorConfig,
    private readonly inbound: InboundEvents,
    private readonly posted: PostedMessages,
    private readonly connections: SlackConnections,
    private readonly clients: SlackClients,
    private readonly userTokens: SlackUserTokens,
    private readonly links: ChannelLinks,
  ) {
    this.orderWindow = new OrderWindow(config.orderWindowMs, config.orderWindowMaxMs);
    this.drainer = new LaneDrainer(this, { concurrency: CONCURRENCY, pollMs: POLL_MS, orderWindowMs: () => this.orderWindow.current(), renewMs: RENEW_MS }, logger, 'Slack events');
  }

  onApplicationBootstrap(): void {
    // Picks up what an earlier process acked but did not publish, then keeps looking for leftovers.
    this.drainer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.drainer.stop();
  }

  /** Handles whatever is stored now. */
  kick(): void {
    this.drainer.kick();
  }

  /** A new event was stored, `lateMs` after Slack says it happened (its event_ts): the order window follows that. */
  received(lateMs: number): void {
    this.orderWindow.observe(lateMs);
    this.drainer.kick();
  }

  async claim(room: number, busy: readonly string[]): Promise<ReadonlyMap<string, readonly InboundEvent[]>> {
    await this.purgeNowAndThen();
    return this.inbound.claim(room, busy, LEASE_SECONDS, this.orderWindow.current());
  }

  renew(lanes: readonly string[]): Promise<void> {
    return this.inbound.renew(lanes, LEASE_SECONDS);
  }

  holdBack(event: InboundEvent, seconds: number): Promise<void> {
    return this.inbound.release(event.eventId, seconds);
  }

  /** False when the event must be tried again later. */
  async handle(event: InboundEvent): Promise<boolean> {
    const log = this.logger.child({ eventId: event.eventId, orgId: event.orgId, teamId: event.teamId });
    try {
      const reaction = readReactionEvent(event.envelope);
      if (reaction.kind === 'ignored') {
        await this.inbound.done(this.dataSource, event.eventId, `ignored: ${reaction.reason}`);
        return true;
      }
      if (reaction.kind === 'reaction') return await this.handleReaction(event, reaction, log);
      const read = readMessageEvent(event.envelope);
      if (read.kind === 'ignored') {
        await this.inbound.done(this.dataSource, event.eventId, `ignored: ${read.reason}`);
        log.debug({ reason: read.reason }, 'Slack event not relayed');
        return true;
      }
      // Ingress stored it while the channel was linked; the link may have ended since.
      if (read.conversationKind === 'channel' && !(await this.links.isLinked(event.connectionId, read.channel))) {
        await this.inbound.done(this.dataSource, event.eventId, 'ignored: channel not linked');
        log.debug({ channel: read.channel }, 'message of a channel that is not linked; not relayed');
        return true;
      }
      if (await this.isEcho(event.teamId, read)) {
        await this.inbound.done(this.dataSource, event.eventId, 'echo');
        log.debug({ channel: read.channel, ts: read.messageId }, 'Parley\'s own post; not relayed');
        return true;
      }
      const auth = authorizationOf(event.envelope);
      const members = read.conversationKind === 'channel' ? undefined : await this.membersOf(event, read);
      // Every message goes on v2 (ADR 0039), files or not, so one conversation stays on one topic. Each file's ref
      // names the installation that saw it: a DM the bot is not in is read later with that person's token (ADR 0040).
      const files = read.files?.map(({ fileId, ...file }) => ({ ref: encodeFileRef({ fileId, ...(auth && !auth.isBot ? { readerUserId: auth.userId } : {}) }), ...file }));
      const payload: PayloadIn<'parley.message.received.v2'> = {
        orgId: event.orgId,
        connectionId: event.connectionId,
        conversation: { platform: 'slack', conversationId: read.channel, kind: read.conversationKind, ...(members ? { members } : {}) },
        change: read.change,
        messageId: read.messageId,
        ...(read.threadRootId ? { threadRootId: read.threadRootId } : {}),
        senderPlatformUserId: read.sender,
        ...(read.change === 'deleted' ? {} : { body: { format: 'slack-mrkdwn' as const, content: read.text ?? '' } }),
        ...(files?.length ? { files } : {}),
        platformEventId: event.eventId,
        occurredAt: read.occurredAt,
        writtenAt: read.writtenAt,
      };
      const published = await this.publishOnce(event, read.messageKey, 'parley.message.received.v2', payload, `published ${read.change}`);
      log.info({ channel: read.channel, change: read.change, ts: read.messageId, published }, published ? 'Slack message published to the relay' : 'Slack message already published');
      return true;
    } catch (error) {
      log.warn({ err: error }, 'Slack event not handled yet; it will be tried again');
      return false;
    }
  }

  /**
   * Publishes what an event says once per key (a message's version, a reaction change), however many events carry it
   * (Slack's retries, the bot's and each person's user-token copies), and marks the event handled, in one transaction.
   */
  private publishOnce<T extends 'parley.message.received.v2' | 'parley.reaction.observed.v1'>(
    event: InboundEvent,
    key: string,
    topic: T,
    payload: PayloadIn<T>,
    outcome: string,
  ): Promise<boolean> {
    return inTransaction(this.dataSource, async (manager) => {
      const first: unknown[] = await manager.query(
        `INSERT INTO slack_connector.published_messages (team_id, message_key, event_id) VALUES ($1, $2, $3)
         ON CONFLICT (team_id, message_key) DO NOTHING RETURNING 1`,
        [event.teamId, key, event.eventId],
      );
      if (first.length > 0) await this.outbox.enqueue(manager, topic, payload);
      await this.inbound.done(manager, event.eventId, first.length > 0 ? outcome : 'already published');
      return first.length > 0;
    });
  }

  /** A reaction change: published once as parley.reaction.observed.v1 (ADR 0032), unless Parley made it. */
  private async handleReaction(event: InboundEvent, reaction: ReactionChange, log: Logger): Promise<boolean> {
    if (await this.isOwnReaction(event.teamId, reaction)) {
      await this.inbound.done(this.dataSource, event.eventId, 'echo');
      log.debug({ channel: reaction.channel, ts: reaction.messageId }, "Parley's own reaction; not relayed");
      return true;
    }
    const kind = await this.relayedKindOf(event, reaction);
    if (!kind) {
      await this.inbound.done(this.dataSource, event.eventId, 'ignored: channel not linked');
      log.debug({ channel: reaction.channel }, 'reaction in a channel that is not linked; not relayed');
      return true;
    }
    const payload: PayloadIn<'parley.reaction.observed.v1'> = {
      orgId: event.orgId,
      connectionId: event.connectionId,
      conversation: { platform: 'slack', conversationId: reaction.channel, kind },
      messageId: reaction.messageId,
      reactorPlatformUserId: reaction.reactor,
      change: reaction.change,
      reaction: reaction.reaction,
      platformEventId: event.eventId,
      occurredAt: reaction.occurredAt,
    };
    const published = await this.publishOnce(event, reaction.changeKey, 'parley.reaction.observed.v1', payload, `published reaction ${reaction.change}`);
    log.info({ channel: reaction.channel, ts: reaction.messageId, change: reaction.change, published }, published ? 'Slack reaction published to the relay' : 'Slack reaction already published');
    return true;
  }

  /**
   * The kind of conversation a reaction is in, when it is relayed: a DM (its id says so), a linked channel, or a group
   * DM; undefined for a channel that is not linked. Reaction events carry no channel_type, and channel ids do not tell
   * a private channel from a group DM, so an unlinked conversation is asked about once (conversations.info).
   */
  private async relayedKindOf(event: InboundEvent, reaction: ReactionChange): Promise<'dm' | 'group' | 'channel' | undefined> {
    if (reaction.conversationKind === 'dm') return 'dm';
    if (await this.links.isLinked(event.connectionId, reaction.channel)) return 'channel';
    const key = `${event.teamId}:${reaction.channel}`;
    let kind = this.kinds.get(key);
    if (!kind) {
      const api = await this.apiFor(event, authorizationOf(event.envelope));
      if (!api) return undefined;
      try {
        const answer = await api.call<WebAPICallResult & { channel?: { is_mpim?: boolean } }>('conversations.info', { channel: reaction.channel });
        kind = answer.channel?.is_mpim === true ? 'group' : 'channel';
      } catch (error) {
        // A conversation the installation cannot describe is not one Parley can relay.
        if (error instanceof SlackApiError) return undefined;
        throw error;
      }
      if (this.kinds.size >= MAX_KNOWN_KINDS) this.kinds.clear();
      this.kinds.set(key, kind);
    }
    return kind === 'group' ? 'group' : undefined;
  }

  private async isOwnReaction(teamId: string, reaction: ReactionChange): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM slack_connector.made_reactions WHERE team_id = $1 AND channel_id = $2 AND message_ts = $3 AND user_id = $4 AND reaction = $5 AND change = $6
         AND made_at > now() - make_interval(secs => $7)`,
      [teamId, reaction.channel, reaction.messageId, reaction.reactor, reaction.reaction, reaction.change, REACTION_ECHO_WINDOW_SECONDS],
    );
    return rows.length > 0;
  }

  private async isEcho(teamId: string, read: MessageChange): Promise<boolean> {
    if (await this.posted.isParleys(teamId, read.channel, read.messageId)) return true;
    if (read.change !== 'created') return false;
    // The event may have overtaken the post call that made it: wait for that post to be recorded, then look again.
    const deadline = Date.now() + this.config.echoWaitMs;
    while (Date.now() < deadline && (await this.posted.postingIn(teamId, read.channel, read.sender))) await new Promise((resolve) => setTimeout(resolve, 50));
    return this.posted.isParleys(teamId, read.channel, read.messageId);
  }

  /**
   * Everyone in a DM or group DM. A DM's two people are known from the event when the sender is not the installation
   * it came through; otherwise conversations.members, with the token that sees the conversation (the consented
   * person's for their DMs, the bot's for its own), reused for a while.
   */
  private async membersOf(event: InboundEvent, read: MessageChange): Promise<string[]> {
    const auth = authorizationOf(event.envelope);
    if (read.conversationKind === 'dm' && auth && auth.userId !== read.sender) return [read.sender, auth.userId].sort();
    const key = `${event.teamId}:${read.channel}`;
    const cached = this.members.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.value;
    const api = await this.apiFor(event, auth);
    if (!api) {
      // The person's consent is gone since Slack sent the event: who is known from the event still goes along.
      this.logger.warn({ eventId: event.eventId, channel: read.channel }, 'no token can read this conversation\'s members; publishing the ones the event names');
      return [...new Set([read.sender, ...(auth ? [auth.userId] : [])])].sort();
    }
    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.call<WebAPICallResult & { members?: string[] }>('conversations.members', { channel: read.channel, limit: 200, ...(cursor ? { cursor } : {}) });
      all.push(...(page.members ?? []));
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor && all.length < MAX_MEMBERS);
    const value = [...new Set(all)].sort().slice(0, MAX_MEMBERS);
    if (this.config.membersCacheMs > 0) {
      if (this.members.size > 10_000) this.members.clear();
      this.members.set(key, { value, expiresAt: Date.now() + this.config.membersCacheMs });
    }
    return value;
  }

  private async apiFor(event: InboundEvent, auth: Authorization | undefined): Promise<SlackWebApi | undefined> {
    const settings = await this.connections.settings(event.orgId, event.connectionId);
    if (auth && !auth.isBot) {
      const user = await this.userTokens.of(event.orgId, event.connectionId, { slackUserId: auth.userId });
      return user ? this.clients.webApi(settings.settings.apiUrl, user.token, settings.settings.teamId) : undefined;
    }
    const connection = await this.connections.withReusedTokens(event.orgId, event.connectionId);
    return this.clients.webApiFor(connection);
  }

  private async purgeNowAndThen(): Promise<void> {
    if (Date.now() - this.lastPurge < 10 * 60_000) return;
    this.lastPurge = Date.now();
    await this.inbound.purge(this.config.eventRetentionHours);
  }
}

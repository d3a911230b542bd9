import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { parseTeamsChannelConversationId } from '@parley/contracts';
import type { Logger } from '@parley/observability';
import { inTransaction, type Outbox } from '@parley/persistence';
import { DATA_SOURCE, LOGGER, OUTBOX } from '@parley/service-runtime';
import type { ChatMessageObservation } from './chat-message-observer';
import { reactionChanges, type ListedReaction } from './reaction-listing';
import { ReactionStore } from './reaction-store';

/**
 * Teams reactions into parley.reaction.observed.v1 (ADR 0032). Teams reports a reaction only as an update of the
 * message with its whole reactions[] (sometimes twice for one change), so each observation is compared, under a lock
 * per message, with what Parley last saw of that message; each add or remove is published once, in the transaction
 * that records the new listing. Reactions Parley set itself are in that record before their notification comes, so
 * they are no change. Runs for every message, Parley's own posts included: people react to those most. In a linked
 * channel the same holds, and a reaction on a reply names the reply's root (threadRootId).
 */
@Injectable()
export class TeamsReactionIngest {
  private readonly store: ReactionStore;

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.store = new ReactionStore(dataSource);
  }

  /** The number of reaction changes published. */
  async ingest(o: ChatMessageObservation): Promise<number> {
    const message = o.message;
    // A delete, or a notification without the resource, says nothing about reactions.
    if (!message || o.changeType === 'deleted' || message.deletedDateTime || (message.messageType && message.messageType !== 'message')) return 0;
    const listed: ListedReaction[] = (message.reactions ?? []).flatMap((r) => {
      const userId = r.user?.user?.id;
      return userId && r.reactionType ? [{ userId, reactionType: r.reactionType }] : [];
    });
    // A new message without reactions has nothing to add, and its creation-time listing is no reason to remove any
    // seen in a later version that came first. Most observations are these (every relayed message and every echo of
    // Parley's own posts), so they cost no transaction.
    if (o.changeType === 'created' && listed.length === 0) return 0;
    // In a channel, a reply is known to the relay under its thread's root (the contract's threadRootId).
    const inChannel = parseTeamsChannelConversationId(o.chatId) !== null;
    const rootId = inChannel ? (message.replyToId ?? o.threadRootId) : undefined;
    const published = await inTransaction(this.dataSource, async (manager) => {
      // Two notifications of one change may be handled at once: one message's listings are compared one at a time.
      await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`teams-reactions:${o.chatId}:${o.messageId}`]);
      // Graph's notifications come in no set order and are retried: a listing older than one already compared is a
      // late copy of the past, not removals (lastModifiedDateTime moves with every reaction change).
      if (message.lastModifiedDateTime && !(await this.store.newerListing(manager, o.chatId, o.messageId, message.lastModifiedDateTime))) {
        this.logger.debug({ conversationId: o.chatId, messageId: o.messageId }, 'teams reaction listing older than the last compared, ignored');
        return 0;
      }
      const seen = await this.store.seen(manager, o.chatId, o.messageId);
      const changes = reactionChanges(
        seen.map((r) => ({ userId: r.userId, reactionType: r.reactionType })),
        listed,
      );
      for (const change of changes) {
        if (change.change === 'added') await this.store.remember(o.chatId, o.messageId, change.userId, change.key, change.reactionType, manager);
        else await this.store.forget(o.chatId, o.messageId, change.userId, change.key, manager);
        await this.outbox.enqueue(manager, 'parley.reaction.observed.v1', {
          orgId: o.orgId,
          connectionId: o.connectionId,
          conversation: { platform: 'teams', conversationId: o.chatId, ...(inChannel ? { kind: 'channel' as const } : {}) },
          messageId: o.messageId,
          ...(rootId ? { threadRootId: rootId } : {}),
          reactorPlatformUserId: change.userId,
          change: change.change,
          reaction: change.reactionType,
          platformEventId: `${o.eventId}:${change.userId}:${change.key}:${change.change}`,
          occurredAt: message.lastModifiedDateTime ?? new Date().toISOString(),
        });
      }
      return changes.length;
    });
    if (published > 0) this.logger.info({ conversationId: o.chatId, messageId: o.messageId, changes: published }, 'teams reaction changes published to the relay');
    return published;
  }
}

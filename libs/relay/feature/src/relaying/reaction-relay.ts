import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Payload, PayloadIn } from '@parley/contracts';
import type { Logger } from '@parley/observability';
import type { IdempotentConsumer, Outbox } from '@parley/persistence';
import { IDEMPOTENT_CONSUMER, LOGGER, OUTBOX } from '@parley/service-runtime';
import { otherPlatform, type Platform } from '../planning/people';
import { classifyReactor, decideReaction, reactionOnTarget, type ReactionDecision, type Reactor } from '../planning/reaction-rules';
import { RelayDirectory } from '../people/relay-directory';
import { anyWaiting, insertReactionDelivery, keepEarlyReaction, lockEarlyReactionsOf, lockReactionsOf, reactedMessage, takeEarlyReactions, waitingReactions, type ReactionDeliveryRow } from '../store/reaction-store';
import { liveLinkOfConversation } from '../store/channel-link-store';
import { connectionColumn, counterpartId, originalOf, postLink, sideColumn, twinById, twinBySide, type MessageRow } from '../store/relay-store';
import { queryReturning } from '@parley/persistence';

type Observed = Payload<'parley.reaction.observed.v1'>;
type Delivered = Payload<'parley.reaction.delivered.v1'>;
type DeliverRequest = PayloadIn<'parley.teams.reaction.deliver.requested.v1'>;

/**
 * A reaction on a message the relay has not met is kept for it (ADR 0060) when the message was written less than this
 * long ago. The message and its reactions come on different topics, each in its own order: a reaction made right
 * after its message, or one Teams lists with the message's first notification, can reach the relay first.
 */
export const REACTION_WAITS_FOR_ITS_MESSAGE_MS = 120_000;
/** How long a kept reaction waits before it is let go (its message never came: it was not one Parley carries). */
const EARLY_REACTION_KEPT_MINUTES = 10;

/**
 * When a message on a platform was written, from its id: a Slack ts is epoch seconds, a Teams message id epoch
 * milliseconds (reference/microsoft-graph.md). NaN for anything else.
 */
export function writtenAtOf(platform: Platform, messageId: string): number {
  if (platform === 'slack') return /^\d+\.\d+$/.test(messageId) ? Math.round(Number(messageId) * 1000) : Number.NaN;
  return /^\d{13}$/.test(messageId) ? Number(messageId) : Number.NaN;
}

const reactionTopic = (platform: Platform) =>
  platform === 'teams' ? ('parley.teams.reaction.deliver.requested.v1' as const) : ('parley.slack.reaction.deliver.requested.v1' as const);

/**
 * parley.reaction.observed.v1 -> reaction deliveries (ADR 0032). Finds the message the reaction is on (one carried from
 * the reacting side, or Parley's post of one from the other side), and asks the other side's connector to make the
 * same change as the same person, at once when the message's counterpart is known, or once its delivery links it.
 * Every change gets a row and a state, so one that cannot be carried says why.
 */
@Injectable()
export class ReactionRelay {
  constructor(
    @Inject(IDEMPOTENT_CONSUMER) private readonly idempotent: IdempotentConsumer,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(RelayDirectory) private readonly directory: RelayDirectory,
  ) {}

  async observe(event: Observed): Promise<void> {
    const source = event.conversation.platform;
    const eventKey = `${source}:${event.platformEventId}`;
    if (await this.idempotent.hasProcessed('relay.reaction-observed', eventKey)) return;
    const people = await this.directory.resolve(event.orgId, source, [event.reactorPlatformUserId]);
    const reactor = classifyReactor(source, event.reactorPlatformUserId, people.get(event.reactorPlatformUserId));
    const log = { orgId: event.orgId, platform: source, conversationId: event.conversation.conversationId, messageId: event.messageId, change: event.change };
    if (reactor.kind === 'parley') {
      this.logger.debug(log, 'relay: a reaction Parley made itself, not carried back');
      return;
    }
    await this.idempotent.run('relay.reaction-observed', eventKey, (manager) => this.apply(manager, event, reactor));
  }

  private async apply(manager: EntityManager, event: Observed, reactor: Reactor): Promise<void> {
    const source = event.conversation.platform;
    const target = otherPlatform(source);
    const { conversationId } = event.conversation;
    let found = await reactedMessage(manager, event.orgId, source, conversationId, event.messageId);
    if (!found && (await this.messageMayStillCome(manager, event))) {
      // Looked for again once no transaction recording the message (or linking Parley's post of it) can be running.
      await lockEarlyReactionsOf(manager, event.orgId, source, conversationId, event.messageId);
      found = await reactedMessage(manager, event.orgId, source, conversationId, event.messageId);
      if (!found) {
        await keepEarlyReaction(manager, event, reactor, EARLY_REACTION_KEPT_MINUTES);
        this.logger.info({ orgId: event.orgId, platform: source, conversationId, messageId: event.messageId }, 'relay: a reaction came before its message; it waits for it');
        return;
      }
    }
    if (!found) {
      this.logger.debug({ orgId: event.orgId, platform: source, messageId: event.messageId }, 'relay: a reaction on a message Parley did not carry');
      return;
    }
    await lockReactionsOf(manager, found.message.id);
    const { message } = found;
    const twin = await twinById(manager, message.twin_id);
    const reaction = reactionOnTarget(source, event.reaction);
    const counterpart = found.carriedFromHere
      ? { conversationId: twin?.[sideColumn(target)] ?? null, messageId: await postLink(manager, message.id, 0) }
      : { conversationId: found.original?.conversationId ?? null, messageId: found.original?.messageId ?? null };
    const decision = decideReaction({
      reactor,
      reaction,
      targetConversationId: counterpart.conversationId,
      targetMessageId: counterpart.messageId,
      original: found.carriedFromHere ? await originalOf(manager, message.id, 0) : null,
      messageDeleted: message.deleted,
      earlierWaiting: await anyWaiting(manager, message.id, target),
    });
    if (decision.kind === 'ignore') return;
    const id = randomUUID();
    await insertReactionDelivery(manager, {
      id,
      orgId: event.orgId,
      messageId: message.id,
      twinId: message.twin_id,
      sourcePlatform: source,
      reactorPlatformUserId: event.reactorPlatformUserId,
      reactorPersonId: reactor.kind === 'person' ? reactor.personId : null,
      reactionKey: reaction.key,
      change: event.change === 'added' ? 'add' : 'remove',
      targetPlatform: target,
      targetReaction: reaction.kind === 'carried' ? reaction.name : null,
      state: stateOf(decision),
      reason: decision.kind === 'fail' ? decision.reason : null,
      targetConversationId: decision.kind === 'send' ? decision.conversationId : counterpart.conversationId,
      targetMessageId: decision.kind === 'send' ? decision.targetMessageId : counterpart.messageId,
    });
    const logged = { orgId: event.orgId, reactionDeliveryId: id, messageId: message.id, target, decision: decision.kind };
    if (decision.kind === 'fail') this.logger.info({ ...logged, reason: decision.reason }, 'relay: a reaction change is not carried');
    if (decision.kind !== 'send' || reactor.kind !== 'person') return;
    const connectionId = twin?.[connectionColumn(target)] ?? (await this.directory.connectionIds(event.orgId))[target];
    if (!connectionId) {
      await this.finish(manager, id, 'failed', `not carried: the organization has no ${target} connection`);
      return;
    }
    await this.send(manager, target, {
      orgId: event.orgId,
      connectionId,
      deliveryId: id,
      conversationId: decision.conversationId,
      targetMessageId: decision.targetMessageId,
      change: event.change === 'added' ? 'add' : 'remove',
      reactorPersonId: reactor.personId,
      reaction: decision.reaction,
      ...(await teamsThreadRoot(manager, target, message, found.carriedFromHere)),
    });
  }

  /**
   * Called in the transaction that records a message, or links Parley's post of one: the reactions that came before
   * it are carried now, in the order they came (ADR 0060).
   */
  async replayEarly(manager: EntityManager, orgId: string, platform: Platform, conversationId: string, messageId: string): Promise<void> {
    for (const early of await takeEarlyReactions(manager, orgId, platform, conversationId, messageId)) await this.apply(manager, early.event, early.reactor);
  }

  /**
   * Whether a message the relay has not met may still come (ADR 0060): it was written in the last
   * REACTION_WAITS_FOR_ITS_MESSAGE_MS, in a conversation the relay carries (a DM or group DM twin, or a linked
   * channel). A reaction in a conversation nobody relays (two people of the same platform), or on an older message (from
   * before the conversation was relayed), is not waited for.
   */
  private async messageMayStillCome(manager: EntityManager, event: Observed): Promise<boolean> {
    const source = event.conversation.platform;
    const age = Date.now() - writtenAtOf(source, event.messageId);
    if (!(age < REACTION_WAITS_FOR_ITS_MESSAGE_MS)) return false;
    const { conversationId } = event.conversation;
    if ((await twinBySide(manager, event.orgId, source, conversationId)) !== null) return true;
    return (await liveLinkOfConversation(manager, event.orgId, source, conversationId)) !== null;
  }

  /**
   * Called in the transaction that records the outcome of a message's first part: the reaction changes that waited for
   * it go now, in the order they were made, or fail with the message's reason.
   */
  async release(manager: EntityManager, messageId: string): Promise<void> {
    await lockReactionsOf(manager, messageId);
    // Most messages have no reaction waiting: that is looked at first, and the message read only when one is.
    const waiting = await waitingReactions(manager, messageId);
    if (waiting.length === 0) return;
    const message = (await manager.query(`SELECT * FROM relay.messages WHERE id = $1`, [messageId]))[0] as MessageRow | undefined;
    if (!message) return;
    const twin = await twinById(manager, message.twin_id);
    const link = await postLink(manager, message.id, 0);
    const original = await originalOf(manager, message.id, 0);
    for (const row of waiting) {
      const decision = decideReaction({
        reactor: { kind: 'person', personId: row.reactor_person_id as string, displayName: '', hasTargetAccount: true },
        reaction: { kind: 'carried', key: row.reaction_key, name: row.target_reaction as string },
        targetConversationId: twin?.[sideColumn(row.target_platform)] ?? null,
        targetMessageId: link,
        original,
        messageDeleted: message.deleted,
        earlierWaiting: false,
      });
      if (decision.kind === 'wait') return;
      if (decision.kind === 'send') {
        const connectionId = twin?.[connectionColumn(row.target_platform)];
        if (!connectionId) {
          await this.finish(manager, row.id, 'failed', `not carried: the organization has no ${row.target_platform} connection`);
          continue;
        }
        await manager.query(
          `UPDATE relay.reaction_deliveries SET state = 'pending', target_conversation_id = $2, target_message_id = $3, dispatched_at = now() WHERE id = $1`,
          [row.id, decision.conversationId, decision.targetMessageId],
        );
        await this.send(manager, row.target_platform, { ...requestOf(row, connectionId, decision), ...(await teamsThreadRoot(manager, row.target_platform, message, true)) });
      } else if (decision.kind === 'fail') {
        await this.finish(manager, row.id, decision.state, decision.reason);
      }
    }
  }

  /** parley.reaction.delivered.v1: the connector's outcome becomes the change's state. */
  async record(event: Delivered, eventId: string): Promise<void> {
    await this.idempotent.run('relay.reaction-delivered', eventId, async (manager) => {
      const updated = await queryReturning(
        manager,
        `UPDATE relay.reaction_deliveries SET state = $3, reason = $4, finished_at = $5 WHERE id = $1 AND org_id = $2 AND state = 'pending' RETURNING id`,
        [event.deliveryId, event.orgId, event.outcome, event.reason ?? null, event.deliveredAt],
      );
      const log = { orgId: event.orgId, reactionDeliveryId: event.deliveryId, outcome: event.outcome };
      if (updated.length === 0) this.logger.debug(log, 'relay: a reaction outcome for a change that is not pending');
      else if (event.outcome !== 'delivered') this.logger.info({ ...log, reason: event.reason }, 'relay: a reaction change was not made on the platform');
    });
  }

  private async send(manager: EntityManager, target: Platform, request: DeliverRequest): Promise<void> {
    await this.outbox.enqueue(manager, reactionTopic(target), request);
    this.logger.debug({ orgId: request.orgId, reactionDeliveryId: request.deliveryId, target, change: request.change }, 'relay.reaction-dispatched');
  }

  private async finish(manager: EntityManager, id: string, state: 'failed' | 'unvoiced', reason: string): Promise<void> {
    await manager.query(`UPDATE relay.reaction_deliveries SET state = $2, reason = $3, finished_at = now() WHERE id = $1`, [id, state, reason]);
  }
}

function stateOf(decision: ReactionDecision): ReactionDeliveryRow['state'] {
  if (decision.kind === 'send') return 'pending';
  if (decision.kind === 'wait') return 'waiting';
  return decision.kind === 'fail' ? decision.state : 'failed';
}

/**
 * Graph addresses a channel reply under its root, so a reaction on a reply in a Teams channel names the root there:
 * for a message carried to Teams, its root's counterpart; for one that came from Teams, its own root.
 */
async function teamsThreadRoot(db: EntityManager, target: Platform, message: MessageRow, carriedFromHere: boolean): Promise<{ threadRootId?: string }> {
  if (target !== 'teams' || !message.source_thread_root_id) return {};
  const root = carriedFromHere
    ? await counterpartId(db, message.org_id, message.source_platform, message.source_conversation_id, message.source_thread_root_id)
    : message.source_thread_root_id;
  return root ? { threadRootId: root } : {};
}

function requestOf(row: ReactionDeliveryRow, connectionId: string, decision: Extract<ReactionDecision, { kind: 'send' }>): DeliverRequest {
  return {
    orgId: row.org_id,
    connectionId,
    deliveryId: row.id,
    conversationId: decision.conversationId,
    targetMessageId: decision.targetMessageId,
    change: row.change,
    reactorPersonId: row.reactor_person_id as string,
    reaction: decision.reaction,
  };
}

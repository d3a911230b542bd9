import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Payload } from '@parley/contracts';
import type { Logger } from '@parley/observability';
import type { IdempotentConsumer, Outbox } from '@parley/persistence';
import { IDEMPOTENT_CONSUMER, LOGGER, OUTBOX } from '@parley/service-runtime';
import { RelayMetrics, type EndedDelivery } from '../metrics/relay-metrics';
import { connectionColumn, firstRow, sideColumn, twinBySide, twinById, type DeliveryRow, type FileState, type MessageRow } from '../store/relay-store';
import { LaneDispatcher, lockLane } from './lane-dispatcher';
import { ReactionRelay } from './reaction-relay';

/** v1 or v2 (v2 adds the files not carried; a v1 outcome is a v2 one without them). */
type Delivered = Payload<'parley.message.delivered.v2'>;

/**
 * parley.message.delivered.v1: records the outcome (the other side's id, or the platform's reason, which the sender is
 * also told for a message that did not arrive), links the message
 * (its post, and any fallback posts, whose threads lead back to the sender), keeps the id of a conversation the
 * connector opened as the twin's side, frees the lane and sends the next delivery queued in it, all in one
 * transaction per event.
 */
@Injectable()
export class DeliveryOutcomes {
  constructor(
    @Inject(IDEMPOTENT_CONSUMER) private readonly idempotent: IdempotentConsumer,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(LaneDispatcher) private readonly lanes: LaneDispatcher,
    @Inject(RelayMetrics) private readonly metrics: RelayMetrics,
    @Inject(ReactionRelay) private readonly reactions: ReactionRelay,
  ) {}

  async record(event: Delivered, eventId: string): Promise<void> {
    let ended: EndedDelivery | undefined;
    const applied = await this.idempotent.run('relay.message-delivered', eventId, async (manager) => {
      ended = undefined;
      const delivery = await firstRow<DeliveryRow>(manager, `SELECT * FROM relay.deliveries WHERE id = $1 AND org_id = $2 FOR UPDATE`, [
        event.deliveryId,
        event.orgId,
      ]);
      if (!delivery) {
        this.logger.warn({ orgId: event.orgId, deliveryId: event.deliveryId }, 'relay: an outcome for a delivery the relay does not know');
        return;
      }
      if (delivery.state !== 'pending') {
        // The relay gave up waiting and the lane moved on; what the connector did in the end is still worth knowing.
        if (delivery.gave_up_at !== null) await this.lateOutcome(manager, delivery, event);
        return;
      }
      const platform = delivery.target_platform;
      // The lane first, always in the same order as the dispatcher (lane, then delivery rows), so the two never deadlock.
      const lane = await lockLane(manager, delivery.twin_id, platform);
      if (event.outcome === 'delivered') {
        await this.applyDelivered(manager, delivery, event);
      } else {
        await manager.query(`UPDATE relay.deliveries SET state = 'failed', reason = $2, finished_at = $3, outcome_due_at = NULL WHERE id = $1`, [
          delivery.id,
          event.reason ?? 'the connector gave no reason',
          event.deliveredAt,
        ]);
        this.logger.info({ orgId: event.orgId, deliveryId: delivery.id, change: delivery.change, platform }, 'relay: delivery failed on the platform');
        await this.settleFiles(manager, delivery, event);
        if (delivery.change === 'create' && delivery.part === 0) await this.tellSender(manager, delivery, event.reason ?? 'no reason given');
      }
      ended = {
        target: platform,
        change: delivery.change,
        outcome: event.outcome === 'failed' ? 'failed' : event.voice === 'fallback' ? 'fallback' : 'delivered',
        sourceOccurredAt: delivery.source_occurred_at,
        endedAt: new Date(),
      };
      // Reaction changes that waited for this message's counterpart go now (or fail with its reason), ADR 0032.
      await this.releaseReactions(manager, delivery);
      // The request was kept for a re-request until now (ADR 0029); with the outcome in, nothing of its body stays.
      // The lane is free again; queue and lane change in one statement.
      await manager.query(
        `WITH done AS (DELETE FROM relay.delivery_queue WHERE delivery_id = $3)
         UPDATE relay.lanes SET in_flight_delivery_id = NULL WHERE twin_id = $1 AND platform = $2 AND in_flight_delivery_id = $3`,
        [delivery.twin_id, platform, delivery.id],
      );
      if (!lane) return;
      const inFlight = lane.in_flight_delivery_id === delivery.id ? null : lane.in_flight_delivery_id;
      await this.lanes.pump(manager, delivery.twin_id, platform, { ...lane, in_flight_delivery_id: inFlight });
    });
    // Counted once the outcome is committed, so a retried transaction is not counted twice.
    if (applied === 'applied' && ended) this.metrics.ended(ended);
  }

  /** Reaction changes that waited for a message's first part go once it ends, or fail with its reason (ADR 0032). */
  async releaseReactions(manager: EntityManager, delivery: DeliveryRow): Promise<void> {
    if (delivery.change === 'create' && delivery.part === 0) await this.reactions.release(manager, delivery.message_id);
  }

  /** An outcome that came after the relay had failed the delivery for want of one: recorded, the lane left alone. */
  private async lateOutcome(manager: EntityManager, delivery: DeliveryRow, event: Delivered): Promise<void> {
    this.logger.info({ orgId: event.orgId, deliveryId: delivery.id, outcome: event.outcome }, 'relay: an outcome came after the relay gave up waiting for it');
    if (event.outcome === 'delivered') {
      await this.applyDelivered(manager, delivery, event);
      // Reactions that waited for this message were failed with it; any that still wait go now.
      await this.releaseReactions(manager, delivery);
    } else await manager.query(`UPDATE relay.deliveries SET reason = $2 WHERE id = $1`, [delivery.id, event.reason ?? delivery.reason]);
  }

  /**
   * What became of each file of the delivery (ADR 0039): those the connector names were not carried, with its reason;
   * the rest were, when the message was delivered. A failed delivery carried none of them.
   */
  private async settleFiles(manager: EntityManager, delivery: DeliveryRow, event: Delivered): Promise<void> {
    if (!delivery.files || delivery.files.length === 0) return;
    const notCarried = new Map((event.filesNotCarried ?? []).map((f) => [f.ref, f.reason]));
    const settled = delivery.files.map((file): FileState => {
      if (file.state !== 'pending') return file;
      const reason = event.outcome === 'failed' ? `the message was not delivered: ${event.reason ?? 'no reason given'}` : notCarried.get(file.ref);
      return reason ? { ...file, state: 'not_carried', reason } : { ...file, state: 'carried' };
    });
    await manager.query(`UPDATE relay.deliveries SET files = $2::jsonb WHERE id = $1`, [delivery.id, JSON.stringify(settled)]);
  }

  /** The delivery is delivered: its state, the other side's id, its links, and the twin's side it opened. */
  private async applyDelivered(manager: EntityManager, delivery: DeliveryRow, event: Delivered): Promise<void> {
    const platform = delivery.target_platform;
    await this.settleFiles(manager, delivery, event);
    const conversationId = event.conversation.conversationId;
    await manager.query(
      `UPDATE relay.deliveries SET state = 'delivered', reason = NULL, target_message_id = COALESCE($2, target_message_id), voice = $3, target_conversation_id = $4,
         finished_at = $5, outcome_due_at = NULL WHERE id = $1`,
      [delivery.id, event.platformMessageId ?? null, event.voice ?? null, conversationId, event.deliveredAt],
    );
    if (delivery.change === 'create' && event.platformMessageId) {
      await manager.query(
        `INSERT INTO relay.message_links (message_id, part, kind, target_platform, target_conversation_id, target_message_id)
         VALUES ($1, $2, 'post', $3, $4, $5) ON CONFLICT DO NOTHING`,
        [delivery.message_id, delivery.part, platform, conversationId, event.platformMessageId],
      );
    }
    for (const post of event.fallbackPosts ?? []) {
      await manager.query(
        `INSERT INTO relay.message_links (message_id, part, kind, target_platform, target_conversation_id, target_message_id)
         VALUES ($1, $2, 'fallback', $3, $4, $5) ON CONFLICT DO NOTHING`,
        [delivery.message_id, delivery.part, platform, post.conversationId, post.platformMessageId],
      );
    }
    // Reactions on Parley's post that came before its link (people react to what they see at once) go now (ADR 0060).
    if (delivery.change === 'create' && event.platformMessageId) await this.reactions.replayEarly(manager, delivery.org_id, platform, conversationId, event.platformMessageId);
    for (const post of event.fallbackPosts ?? []) await this.reactions.replayEarly(manager, delivery.org_id, platform, post.conversationId, post.platformMessageId);
    // When the app posted for the sender in each recipient's DM with it, nothing was opened for the twin.
    const fallbackOnly = (event.fallbackPosts ?? []).some((post) => post.conversationId === conversationId);
    // A delivery sent to the twin's side it already had opened nothing (the lane sends to a known side as it is).
    if (!fallbackOnly && delivery.target_conversation_id === null) await this.keepOpenedSide(manager, delivery, conversationId);
  }

  /** The sender hears on their own platform that their message did not arrive, once per message, with the reason. */
  async tellSender(manager: EntityManager, delivery: DeliveryRow, reason: string): Promise<void> {
    const message = await firstRow<MessageRow>(manager, `SELECT * FROM relay.messages WHERE id = $1`, [delivery.message_id]);
    const twin = await twinById(manager, delivery.twin_id);
    const source = message?.source_platform;
    const connectionId = source && twin ? twin[connectionColumn(source)] : null;
    if (!message || !source || !connectionId) return;
    const where = delivery.target_platform === 'teams' ? 'Teams' : 'Slack';
    const notice = {
      orgId: message.org_id,
      connectionId,
      noticeId: delivery.id,
      recipientPersonId: message.sender_person_id,
      recipientPlatformUserId: message.sender_platform_user_id,
      reason: 'delivery-failed' as const,
      text: `Your message did not reach ${where}: ${reason}`.slice(0, 4000),
      about: { conversationId: message.source_conversation_id, messageId: message.source_message_id },
      requestedAt: new Date().toISOString(),
    };
    if (source === 'slack') await this.outbox.enqueue(manager, 'parley.slack.notice.requested.v1', notice);
    else await this.outbox.enqueue(manager, 'parley.teams.notice.requested.v1', notice);
  }

  /** The conversation the connector opened becomes the twin's side, unless another twin already has it. */
  private async keepOpenedSide(manager: EntityManager, delivery: DeliveryRow, conversationId: string): Promise<void> {
    const twin = await twinById(manager, delivery.twin_id);
    if (!twin || twin[sideColumn(delivery.target_platform)] !== null) return;
    const holder = await twinBySide(manager, delivery.org_id, delivery.target_platform, conversationId);
    if (holder) {
      this.logger.warn({ orgId: delivery.org_id, twinId: twin.id, otherTwinId: holder.id }, 'relay: the opened conversation already belongs to another twin');
      return;
    }
    await manager.query(`UPDATE relay.twins SET ${sideColumn(delivery.target_platform)} = $2, updated_at = now() WHERE id = $1`, [twin.id, conversationId]);
  }
}

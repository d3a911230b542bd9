import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PayloadIn } from '@parley/contracts';
import type { Logger } from '@parley/observability';
import type { Outbox } from '@parley/persistence';
import { LOGGER, OUTBOX } from '@parley/service-runtime';
import { RELAY_CONFIG, type RelayConfig } from '../config';
import { RelayMetrics } from '../metrics/relay-metrics';
import { decideDispatch } from '../planning/dispatch-rules';
import type { Platform } from '../planning/people';
import { counterpartId, firstRow, originalOf, partDeleted, postLink, sideColumn, twinById, type DeliveryRow, type MessageRow } from '../store/relay-store';

type DeliverRequest = PayloadIn<'parley.teams.message.deliver.requested.v1'>;

/**
 * A delivery waiting in its lane: the deliver request without what is only known at its turn (the target, the id of
 * the message it changes, the thread root on the other side). The body is here only until dispatch (ADR 0017).
 */
export interface QueuedRequest {
  readonly payload: Omit<DeliverRequest, 'target' | 'targetMessageId' | 'threadRootId'>;
  /** Whom to open the conversation with when the twin's side is not open yet. */
  readonly open: { readonly conversationKind: 'dm' | 'group'; readonly memberPlatformUserIds: string[] };
  /** The thread root as the source conversation knows it; mapped to the other side at dispatch. */
  readonly threadRootSourceId?: string;
  /** The thread root on the target side, already known (a reply to a fallback post goes under the original). */
  readonly threadRootTargetId?: string;
}

interface QueueHead {
  seq: string;
  delivery_id: string;
  request: QueuedRequest;
}

export const deliverTopic = (platform: Platform) =>
  platform === 'teams' ? ('parley.teams.message.deliver.requested.v1' as const) : ('parley.slack.message.deliver.requested.v1' as const);

/**
 * Keeps one delivery in flight per target conversation (a lane: a twin's side). `pump` runs inside the transaction
 * that changed the lane (a delivery queued, one finished); it takes the lane's row lock, and while nothing is in flight
 * it sends the next queued delivery through the outbox, or fails it when the message it changes never made it across.
 * A sent request stays in the queue, marked dispatched, with the time its outcome is due (DeliveryDeadlines).
 */
@Injectable()
export class LaneDispatcher {
  constructor(
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(RELAY_CONFIG) private readonly config: RelayConfig,
    @Inject(RelayMetrics) private readonly metrics: RelayMetrics,
  ) {}

  async pump(manager: EntityManager, twinId: string, platform: Platform): Promise<void> {
    const lane = await firstRow<{ in_flight_delivery_id: string | null }>(
      manager,
      `SELECT in_flight_delivery_id FROM relay.lanes WHERE twin_id = $1 AND platform = $2 FOR UPDATE`,
      [twinId, platform],
    );
    if (!lane || lane.in_flight_delivery_id !== null) return;
    for (;;) {
      const head = await firstRow<QueueHead>(
        manager,
        `SELECT seq, delivery_id, request FROM relay.delivery_queue WHERE twin_id = $1 AND platform = $2 AND dispatched_at IS NULL ORDER BY seq LIMIT 1`,
        [twinId, platform],
      );
      if (!head) return;
      const delivery = (await firstRow<DeliveryRow>(manager, `SELECT * FROM relay.deliveries WHERE id = $1`, [head.delivery_id])) as DeliveryRow;
      const message = (await firstRow<MessageRow>(manager, `SELECT * FROM relay.messages WHERE id = $1`, [delivery.message_id])) as MessageRow;
      const twin = await twinById(manager, twinId);
      const targetConversationId = twin?.[sideColumn(platform)] ?? null;
      const rootSource = head.request.threadRootSourceId;
      const decision = decideDispatch({
        change: delivery.change,
        targetConversationId,
        link: delivery.change === 'create' ? null : await postLink(manager, message.id, delivery.part),
        original: delivery.change === 'create' ? null : await originalOf(manager, message.id, delivery.part),
        deleted: delivery.change === 'create' ? false : await partDeleted(manager, message.id, delivery.part),
        threadRoot: head.request.threadRootTargetId
          ? { sourceId: head.request.threadRootTargetId, targetId: head.request.threadRootTargetId }
          : rootSource
            ? { sourceId: rootSource, targetId: await counterpartId(manager, message.org_id, message.source_platform, message.source_conversation_id, rootSource) }
            : null,
      });
      if (decision.kind === 'wait') {
        this.logger.debug({ deliveryId: delivery.id, twinId, platform, why: decision.why }, 'relay.lane-waits');
        return;
      }
      if (decision.kind === 'fail') {
        await manager.query(`DELETE FROM relay.delivery_queue WHERE seq = $1`, [head.seq]);
        await manager.query(`UPDATE relay.deliveries SET state = 'failed', reason = $2, finished_at = now() WHERE id = $1`, [delivery.id, decision.reason]);
        this.logger.info({ deliveryId: delivery.id, twinId, platform, change: delivery.change }, 'relay.delivery-failed-before-sending');
        // Counted inside the lane's transaction: a rare rollback and retry of it may count one twice.
        this.metrics.ended({ target: platform, change: delivery.change, outcome: 'not_sent', sourceOccurredAt: null, endedAt: new Date() });
        continue;
      }
      const payload: DeliverRequest = {
        ...head.request.payload,
        target:
          decision.target === 'existing'
            ? { kind: 'existing', conversationId: targetConversationId as string }
            : { kind: 'open', conversationKind: head.request.open.conversationKind, memberPlatformUserIds: head.request.open.memberPlatformUserIds },
        ...(decision.targetMessageId ? { targetMessageId: decision.targetMessageId } : {}),
        ...(decision.threadRootId ? { threadRootId: decision.threadRootId } : {}),
      };
      await this.outbox.enqueue(manager, deliverTopic(platform), payload);
      // The request stays (as sent) until its outcome comes, so that it can be sent again if none does (ADR 0029).
      await manager.query(`UPDATE relay.delivery_queue SET dispatched_at = now(), dispatched = $2::jsonb WHERE seq = $1`, [head.seq, JSON.stringify(payload)]);
      await manager.query(
        `UPDATE relay.deliveries SET dispatched_at = now(), target_conversation_id = $2, attempts = 1,
           outcome_due_at = now() + ($3::int * interval '1 millisecond') WHERE id = $1`,
        [delivery.id, targetConversationId, this.config.outcomeTimeoutMs],
      );
      await manager.query(`UPDATE relay.lanes SET in_flight_delivery_id = $3 WHERE twin_id = $1 AND platform = $2`, [twinId, platform, delivery.id]);
      this.logger.debug({ deliveryId: delivery.id, twinId, platform, change: delivery.change, target: decision.target }, 'relay.delivery-dispatched');
      return;
    }
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PayloadIn } from '@parley/contracts';
import type { Logger } from '@parley/observability';
import type { Outbox } from '@parley/persistence';
import { LOGGER, OUTBOX } from '@parley/service-runtime';
import { RELAY_CONFIG, type RelayConfig } from '../config';
import { RelayMetrics } from '../metrics/relay-metrics';
import { lateMark, withWrittenAt } from '../planning/late-note';
import { decideDispatch } from '../planning/dispatch-rules';
import type { Platform } from '../planning/people';
import { counterpartId, firstRow, originalOf, partDeleted, postLink, sideColumn, type DeliveryRow } from '../store/relay-store';

type DeliverRequest = PayloadIn<'parley.teams.message.deliver.requested.v2'>;
type DeliverRequestV1 = PayloadIn<'parley.teams.message.deliver.requested.v1'>;

/**
 * A delivery waiting in its lane: the deliver request without what is only known at its turn (the target, the id of
 * the message it changes, the thread root on the other side). The body is here only until dispatch (ADR 0017).
 */
export interface QueuedRequest {
  readonly payload: Omit<DeliverRequestV1, 'target' | 'targetMessageId' | 'threadRootId'> & Partial<Pick<DeliverRequest, 'files' | 'filesFrom'>>;
  /** Whom to open the conversation with when the twin's side is not open yet; absent for a channel (its link has both sides). */
  readonly open?: { readonly conversationKind: 'dm' | 'group'; readonly memberPlatformUserIds: string[] };
  /** The thread root as the source conversation knows it; mapped to the other side at dispatch. */
  readonly threadRootSourceId?: string;
  /** The thread root on the target side, already known (a reply to a fallback post goes under the original). */
  readonly threadRootTargetId?: string;
}

/** The lane's next queued delivery, with what dispatching it reads of its delivery, message and twin, in one query. */
interface QueueHead {
  seq: string;
  delivery_id: string;
  request: QueuedRequest;
  change: DeliveryRow['change'];
  part: number;
  message_id: string;
  org_id: string;
  source_platform: Platform;
  source_conversation_id: string;
  target_conversation_id: string | null;
  source_occurred_at: Date | null;
}

/** A lane's row as the dispatcher needs it. */
export interface LaneState {
  readonly in_flight_delivery_id: string | null;
  readonly last_source_at: Date | null;
}

/** Takes the lane's row lock (dispatcher and outcomes take it first, before any delivery row) and reads it. */
export function lockLane(manager: EntityManager, twinId: string, platform: Platform): Promise<LaneState | null> {
  return firstRow<LaneState>(manager, `SELECT in_flight_delivery_id, last_source_at FROM relay.lanes WHERE twin_id = $1 AND platform = $2 FOR UPDATE`, [
    twinId,
    platform,
  ]);
}

const deliverTopic = (platform: Platform) =>
  platform === 'teams' ? ('parley.teams.message.deliver.requested.v1' as const) : ('parley.slack.message.deliver.requested.v1' as const);

const deliverTopicWithFiles = (platform: Platform) =>
  platform === 'teams' ? ('parley.teams.message.deliver.requested.v2' as const) : ('parley.slack.message.deliver.requested.v2' as const);

/** A deliver request as the lane sends it: with its files, if it has any to carry. */
export type SentRequest = DeliverRequestV1 & Partial<Pick<DeliverRequest, 'files' | 'filesFrom'>>;

/**
 * Sends a deliver request through the outbox: on v2 when it carries files (ADR 0039), else on v1 as before. The lane
 * keeps one delivery in flight per conversation, so order holds across the two topics.
 */
export async function enqueueDeliver(outbox: Outbox, manager: EntityManager, platform: Platform, request: SentRequest): Promise<void> {
  const { files, filesFrom, ...v1 } = request;
  if (files && files.length > 0 && filesFrom) await outbox.enqueue(manager, deliverTopicWithFiles(platform), { ...v1, files, filesFrom });
  else await outbox.enqueue(manager, deliverTopic(platform), v1);
}

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

  /**
   * `locked`: the lane as the caller read it with its row lock in this transaction (and changed it since, if so), to
   * spare a second read of it.
   */
  async pump(manager: EntityManager, twinId: string, platform: Platform, locked?: LaneState): Promise<void> {
    const lane = locked ?? (await lockLane(manager, twinId, platform));
    if (!lane || lane.in_flight_delivery_id !== null) return;
    for (;;) {
      // One round trip for the head and what deciding about it needs (a pump runs for every queued delivery and
      // every outcome, so each query here is paid per relayed message).
      const head = await firstRow<QueueHead>(
        manager,
        `SELECT q.seq, q.delivery_id, q.request, d.change, d.part, d.message_id, d.source_occurred_at, m.org_id, m.source_platform,
                m.source_conversation_id, t.${sideColumn(platform)} AS target_conversation_id
           FROM relay.delivery_queue q
           JOIN relay.deliveries d ON d.id = q.delivery_id
           JOIN relay.messages m ON m.id = d.message_id
           LEFT JOIN relay.twins t ON t.id = q.twin_id
          WHERE q.twin_id = $1 AND q.platform = $2 AND q.dispatched_at IS NULL
          ORDER BY q.seq LIMIT 1`,
        [twinId, platform],
      );
      if (!head) return;
      const delivery = { id: head.delivery_id, change: head.change, part: head.part };
      const targetConversationId = head.target_conversation_id;
      const rootSource = head.request.threadRootSourceId;
      const original = delivery.change === 'create' ? null : await originalOf(manager, head.message_id, delivery.part);
      let decision = decideDispatch({
        change: delivery.change,
        targetConversationId,
        link: delivery.change === 'create' ? null : await postLink(manager, head.message_id, delivery.part),
        original,
        deleted: delivery.change === 'create' ? false : await partDeleted(manager, head.message_id, delivery.part),
        threadRoot: head.request.threadRootTargetId && delivery.change === 'create'
          ? { sourceId: head.request.threadRootTargetId, targetId: head.request.threadRootTargetId }
          : rootSource
            ? { sourceId: rootSource, targetId: await counterpartId(manager, head.org_id, head.source_platform, head.source_conversation_id, rootSource) }
            : null,
      });
      if (decision.kind === 'wait') {
        this.logger.debug({ deliveryId: delivery.id, twinId, platform, why: decision.why }, 'relay.lane-waits');
        return;
      }
      const open = head.request.open;
      if (decision.kind === 'send' && decision.target === 'open' && !open) {
        decision = { kind: 'fail', reason: 'the conversation on the other side is not known and cannot be opened' };
      }
      if (decision.kind === 'fail') {
        await manager.query(`DELETE FROM relay.delivery_queue WHERE seq = $1`, [head.seq]);
        await manager.query(`UPDATE relay.deliveries SET state = 'failed', reason = $2, finished_at = now() WHERE id = $1`, [delivery.id, decision.reason]);
        this.logger.info({ deliveryId: delivery.id, twinId, platform, change: delivery.change }, 'relay.delivery-failed-before-sending');
        // Counted inside the lane's transaction: a rare rollback and retry of it may count one twice.
        this.metrics.ended({ target: platform, change: delivery.change, outcome: 'not_sent', sourceOccurredAt: null, endedAt: new Date() });
        continue;
      }
      // Written well before the latest message already sent here: its platform sent it late, and it says so (ADR 0045).
      // An edit of such a message says it again: the edit replaces the whole text over there.
      const writtenAt = delivery.change === 'create' && head.source_occurred_at ? new Date(head.source_occurred_at) : null;
      const body = head.request.payload.body;
      const lateSince = body && delivery.part === 0 ? lateMark(delivery.change, writtenAt, lane.last_source_at ? new Date(lane.last_source_at) : null, original?.marked_late_at ? new Date(original.marked_late_at) : null) : null;
      const payload: SentRequest = {
        ...head.request.payload,
        ...(lateSince && body ? { body: withWrittenAt(body, lateSince) } : {}),
        target:
          decision.target === 'existing'
            ? { kind: 'existing', conversationId: targetConversationId as string }
            : { kind: 'open', conversationKind: open?.conversationKind ?? 'dm', memberPlatformUserIds: open?.memberPlatformUserIds ?? [] },
        ...(decision.targetMessageId ? { targetMessageId: decision.targetMessageId } : {}),
        ...(decision.threadRootId ? { threadRootId: decision.threadRootId } : {}),
      };
      await enqueueDeliver(this.outbox, manager, platform, payload);
      // The request stays (as sent) until its outcome comes, so that it can be sent again if none does (ADR 0029).
      // The queue row, the delivery and the lane change together, in one statement.
      await manager.query(
        `WITH queued AS (UPDATE relay.delivery_queue SET dispatched_at = now(), dispatched = $4::jsonb WHERE seq = $5),
              sent AS (UPDATE relay.deliveries SET dispatched_at = now(), target_conversation_id = $6, attempts = 1,
                         outcome_due_at = now() + ($7::int * interval '1 millisecond'), marked_late_at = $9::timestamptz WHERE id = $3)
         UPDATE relay.lanes SET in_flight_delivery_id = $3, last_source_at = GREATEST(last_source_at, $8::timestamptz) WHERE twin_id = $1 AND platform = $2`,
        [twinId, platform, delivery.id, JSON.stringify(payload), head.seq, targetConversationId, this.config.outcomeTimeoutMs, writtenAt, lateSince],
      );
      this.logger.debug({ deliveryId: delivery.id, twinId, platform, change: delivery.change, target: decision.target }, 'relay.delivery-dispatched');
      return;
    }
  }
}

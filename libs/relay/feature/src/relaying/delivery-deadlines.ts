import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from '@parley/observability';
import { inTransaction, type Outbox } from '@parley/persistence';
import { DATA_SOURCE, LOGGER, OUTBOX } from '@parley/service-runtime';
import { RELAY_CONFIG, type RelayConfig } from '../config';
import { RelayMetrics, type EndedDelivery } from '../metrics/relay-metrics';
import { firstRow, rows, type DeliveryRow } from '../store/relay-store';
import { DeliveryOutcomes } from './delivery-outcomes';
import { enqueueDeliver, LaneDispatcher, type SentRequest } from './lane-dispatcher';


/** Overdue deliveries handled per transaction. */
const BATCH = 50;

/**
 * A lane waits for the outcome of its delivery in flight only so long (ADR 0029). When a connector never answers (it
 * crashed, dead-lettered the request, or its outcome was lost), the delivery is requested again with the same
 * delivery id, which the connectors treat as their idempotency key and reconcile before any re-post (ADR 0020, 0023);
 * after the last request's wait it fails with a reason an admin reads in the conversation's messages, the sender is
 * told as for any failed message, and the lane moves on. Several relay replicas can sweep at once: each overdue
 * delivery is taken with SKIP LOCKED, in the same lock order as an outcome (delivery, then lane).
 */
@Injectable()
export class DeliveryDeadlines implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(LaneDispatcher) private readonly lanes: LaneDispatcher,
    @Inject(DeliveryOutcomes) private readonly outcomes: DeliveryOutcomes,
    @Inject(RELAY_CONFIG) private readonly config: RelayConfig,
    @Inject(RelayMetrics) private readonly metrics: RelayMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.trigger(), this.config.deadlineSweepMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  private trigger(): void {
    if (this.running || this.stopped) return;
    this.running = this.sweep()
      .then(() => undefined)
      .catch((error) => this.logger.warn({ err: error }, 'relay: the sweep for overdue deliveries failed; trying again later'))
      .finally(() => {
        this.running = undefined;
      });
  }

  /** One pass over the deliveries whose outcome is overdue; answers how many it handled. */
  async sweep(): Promise<number> {
    let handled = 0;
    while (!this.stopped) {
      const gaveUp: EndedDelivery[] = [];
      const batch = await inTransaction(this.dataSource, async (manager) => {
        gaveUp.length = 0;
        const due = await rows<DeliveryRow>(
          manager,
          `SELECT * FROM relay.deliveries WHERE state = 'pending' AND outcome_due_at <= now() ORDER BY outcome_due_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
        );
        for (const delivery of due) {
          if (await this.overdue(manager, delivery)) {
            gaveUp.push({ target: delivery.target_platform, change: delivery.change, outcome: 'timed_out', sourceOccurredAt: delivery.source_occurred_at, endedAt: new Date() });
          }
        }
        return due.length;
      });
      for (const ended of gaveUp) this.metrics.ended(ended);
      handled += batch;
      if (batch < BATCH) break;
    }
    return handled;
  }

  /** Requests an overdue delivery again, or gives up on it (answers true then). */
  private async overdue(manager: EntityManager, delivery: DeliveryRow): Promise<boolean> {
    const platform = delivery.target_platform;
    const lane = await firstRow<{ in_flight_delivery_id: string | null }>(
      manager,
      `SELECT in_flight_delivery_id FROM relay.lanes WHERE twin_id = $1 AND platform = $2 FOR UPDATE`,
      [delivery.twin_id, platform],
    );
    const queued = await firstRow<{ dispatched: SentRequest | null }>(manager, `SELECT dispatched FROM relay.delivery_queue WHERE delivery_id = $1`, [delivery.id]);
    const log = { orgId: delivery.org_id, deliveryId: delivery.id, twinId: delivery.twin_id, platform, change: delivery.change, attempts: delivery.attempts };
    if (lane?.in_flight_delivery_id === delivery.id && queued?.dispatched && delivery.attempts < this.config.deliveryAttempts) {
      await enqueueDeliver(this.outbox, manager, platform, queued.dispatched);
      await manager.query(`UPDATE relay.deliveries SET attempts = attempts + 1, outcome_due_at = now() + ($2::int * interval '1 millisecond') WHERE id = $1`, [
        delivery.id,
        this.config.outcomeTimeoutMs,
      ]);
      this.logger.warn(log, 'relay: no outcome for a delivery in time; requesting it again');
      return false;
    }
    const connector = platform === 'teams' ? 'teams-connector' : 'slack-connector';
    const waited = Math.round((delivery.attempts * this.config.outcomeTimeoutMs) / 1000);
    const reason =
      `no outcome from ${connector} after ${delivery.attempts} request${delivery.attempts === 1 ? '' : 's'} over about ${waited} s; ` +
      'the relay stopped waiting and moved on (a late outcome is still recorded)';
    await manager.query(
      `UPDATE relay.deliveries SET state = 'failed', reason = $2, finished_at = now(), gave_up_at = now(), outcome_due_at = NULL WHERE id = $1`,
      [delivery.id, reason],
    );
    await manager.query(`DELETE FROM relay.delivery_queue WHERE delivery_id = $1`, [delivery.id]);
    this.logger.warn({ ...log, reason }, 'relay: gave up waiting for a delivery outcome; the lane moves on');
    if (delivery.change === 'create' && delivery.part === 0) {
      await this.outcomes.tellSender(manager, delivery, reason);
      // Reactions waiting for this message fail with its reason (ADR 0032), as after a failed outcome.
      await this.outcomes.releaseReactions(manager, delivery);
    }
    if (lane?.in_flight_delivery_id === delivery.id) {
      await manager.query(`UPDATE relay.lanes SET in_flight_delivery_id = NULL WHERE twin_id = $1 AND platform = $2`, [delivery.twin_id, platform]);
      await this.lanes.pump(manager, delivery.twin_id, platform);
    }
    return true;
  }
}

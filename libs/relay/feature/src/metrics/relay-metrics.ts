import { Counter, Histogram, type Registry } from 'prom-client';
import type { Platform } from '../planning/people';

/** Which way a delivery goes: the source platform to the target one. */
export type RelayDirection = 'slack_to_teams' | 'teams_to_slack';

/**
 * How a delivery ended: delivered as the sender, delivered by the app for them (fallback), refused by the platform,
 * given up for want of an outcome (ADR 0029), or failed by the relay before it was sent (the message it changes never
 * made it across).
 */
export type RelayDeliveryOutcome = 'delivered' | 'fallback' | 'failed' | 'timed_out' | 'not_sent';

export const directionTo = (target: Platform): RelayDirection => (target === 'teams' ? 'slack_to_teams' : 'teams_to_slack');

/** A delivery that has just ended, as the metrics see it: no ids. */
export interface EndedDelivery {
  readonly target: Platform;
  readonly change: 'create' | 'edit' | 'delete';
  readonly outcome: RelayDeliveryOutcome;
  /** The platform event's time at the source (parley.message.received.v1 `occurredAt`); null for older rows. */
  readonly sourceOccurredAt: Date | null;
  readonly endedAt: Date;
}

/**
 * The relay's figures on /metrics, labelled by direction, outcome and kind of change only (never a person, an org or
 * a conversation), so the series stay few: 2 directions x 5 outcomes x 3 kinds.
 */
export class RelayMetrics {
  readonly endToEndSeconds: Histogram<'direction' | 'outcome'>;
  readonly deliveries: Counter<'direction' | 'outcome' | 'kind'>;

  constructor(registry: Registry) {
    this.endToEndSeconds = new Histogram({
      name: 'parley_relay_end_to_end_seconds',
      help: "Time from the platform event at the source (its occurredAt, as the source connector reports it) to the delivery's outcome recorded by the relay, by direction and outcome.",
      labelNames: ['direction', 'outcome'],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
      registers: [registry],
    });
    this.deliveries = new Counter({
      name: 'parley_relay_deliveries_total',
      help: 'Relay deliveries that ended, by direction, outcome (delivered, fallback, failed, timed_out, not_sent) and kind of change (create, edit, delete).',
      labelNames: ['direction', 'outcome', 'kind'],
      registers: [registry],
    });
  }

  /** Counts a delivery that ended and, when its source time is known, how long it took end to end. */
  ended(delivery: EndedDelivery): void {
    const direction = directionTo(delivery.target);
    this.deliveries.inc({ direction, outcome: delivery.outcome, kind: delivery.change });
    if (delivery.outcome === 'not_sent' || delivery.sourceOccurredAt === null) return;
    const seconds = Math.max(0, (delivery.endedAt.getTime() - delivery.sourceOccurredAt.getTime()) / 1000);
    this.endToEndSeconds.observe({ direction, outcome: delivery.outcome }, seconds);
  }
}

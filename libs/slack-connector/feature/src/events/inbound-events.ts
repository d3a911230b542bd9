import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { DATA_SOURCE } from '@parley/service-runtime';
import { queryReturning } from '@parley/persistence';

export interface InboundEvent {
  readonly eventId: string;
  readonly orgId: string;
  readonly connectionId: string;
  readonly teamId: string;
  readonly envelope: Record<string, unknown>;
}

/**
 * Events API deliveries between the ack and their publication. The event_id is the primary key: a retry of an event
 * (Slack's, or the sandbox's duplicates) is recognized however long after, as long as the row is kept. The envelope,
 * which holds the message text, is emptied once the event is handled.
 */
@Injectable()
export class InboundEvents {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** True when the event is new; false for a redelivery of one already stored. */
  async store(event: InboundEvent): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO slack_connector.inbound_events (event_id, org_id, connection_id, team_id, body)
       VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
      [event.eventId, event.orgId, event.connectionId, event.teamId, JSON.stringify(event.envelope)],
    );
    return rows.length > 0;
  }

  /** Claims up to `limit` unhandled events for `leaseSeconds` (another replica skips them), oldest first. */
  async claim(limit: number, leaseSeconds: number): Promise<InboundEvent[]> {
    type Row = { event_id: string; org_id: string; connection_id: string; team_id: string; body: Record<string, unknown> };
    const rows = await queryReturning<Row>(
      this.dataSource,
      `UPDATE slack_connector.inbound_events SET claimed_until = now() + make_interval(secs => $2)
       WHERE event_id IN (
         SELECT event_id FROM slack_connector.inbound_events
         WHERE processed_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
         ORDER BY received_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING event_id, org_id, connection_id, team_id, body, received_at`,
      [limit, leaseSeconds],
    );
    return rows.filter((r) => r.body).map((r) => ({ eventId: r.event_id, orgId: r.org_id, connectionId: r.connection_id, teamId: r.team_id, envelope: r.body }));
  }

  /** Marks it handled and drops its envelope (the message text is not kept: relay.md, Privacy). */
  async done(manager: EntityManager | DataSource, eventId: string, outcome: string): Promise<void> {
    await manager.query(`UPDATE slack_connector.inbound_events SET processed_at = now(), body = NULL, outcome = $2 WHERE event_id = $1`, [eventId, outcome.slice(0, 300)]);
  }

  /** Lets it be claimed again soon (a transient failure). */
  async release(eventId: string, afterSeconds: number): Promise<void> {
    await this.dataSource.query(`UPDATE slack_connector.inbound_events SET claimed_until = now() + make_interval(secs => $2) WHERE event_id = $1`, [eventId, afterSeconds]);
  }

  /** Forgets handled events older than the retention (their event_ids can no longer come back from Slack). */
  async purge(retentionHours: number): Promise<void> {
    await this.dataSource.query(`DELETE FROM slack_connector.inbound_events WHERE processed_at < now() - make_interval(hours => $1)`, [retentionHours]);
    await this.dataSource.query(`DELETE FROM slack_connector.published_messages WHERE published_at < now() - make_interval(hours => $1)`, [retentionHours]);
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { DATA_SOURCE } from '@parley/service-runtime';
import { SlackIntakePool } from './intake-pool';
import { GroupCommit, laneClaimSql, laneRenewSql, queryReturning, type InboxTable } from '@parley/persistence';

export interface InboundEvent {
  readonly eventId: string;
  readonly orgId: string;
  readonly connectionId: string;
  readonly teamId: string;
  readonly envelope: Record<string, unknown>;
}

/** The event's own time (event_ts, else ts, else the envelope's event_time), in seconds. */
export function eventTsOf(event: InboundEvent): number {
  const e = event.envelope['event'] as Record<string, unknown> | undefined;
  return Number(e?.['event_ts'] ?? e?.['ts'] ?? event.envelope['event_time'] ?? 0);
}

/**
 * The event's place in its conversation, the order of a lane: its own time, except that an edit (`message_changed`)
 * goes at its message's place (`message.ts`). An edit of a message Parley never got (its event failed and comes on
 * Slack's retry a minute later) is carried as the message, which must not come after the messages written after it;
 * an edit of a message already carried changes it where it is. A deletion goes at its own time. (As in Teams: ADR 0042,
 * amended 2026-12-06.)
 */
export function tsOf(event: InboundEvent): number {
  const e = event.envelope['event'] as Record<string, unknown> | undefined;
  if (e?.['subtype'] === 'message_changed') {
    const place = Number((e['message'] as Record<string, unknown> | undefined)?.['ts']);
    if (Number.isFinite(place) && place > 0) return place;
  }
  return eventTsOf(event);
}

/** Lane order: by place, and edits of one message by when they were made. */
function byPlace(a: InboundEvent, b: InboundEvent): number {
  return tsOf(a) - tsOf(b) || eventTsOf(a) - eventTsOf(b);
}

/**
 * Where the event goes in its conversation by Slack's clock (tsOf), in seconds with Slack's microseconds (two messages of one channel can be
 * less than a millisecond apart; a JS Date would make them equal); null when it does not say (it is then ordered by
 * its arrival).
 */
function occurredAt(event: InboundEvent): number | null {
  const seconds = tsOf(event);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : null;
}

/** slack_connector.inbound_events as a LaneDrainer's inbox (ADR 0042, 0043). */
const INBOX: InboxTable = {
  table: 'slack_connector.inbound_events',
  id: 'event_id',
  lane: 'lane',
  writtenAt: 'COALESCE(occurred_at, received_at)',
  tieBreak: 'received_at',
  waiting: 'processed_at IS NULL',
  returning: 'event_id, org_id, connection_id, team_id, body, lane',
};
const CLAIM = laneClaimSql(INBOX);
const RENEW = laneRenewSql(INBOX);

/** An event on its way into the table, and whether the statement that stored it was the first to (store). */
interface Storing {
  readonly event: InboundEvent;
  fresh: boolean;
}

/** Events of one lane per claim (each can wait for an echo: echoWaitMs); the claim is renewed while they are handled. */
const EVENTS_PER_LANE = 10;

/**
 * Events API deliveries between the ack and their publication. The event_id is the primary key: a retry of an event
 * (Slack's, or the sandbox's duplicates) is recognized however long after, as long as the row is kept. The envelope,
 * which holds the message text, is emptied once the event is handled.
 */
@Injectable()
export class InboundEvents {
  /** What concurrent deliveries store, written together (store). */
  private readonly intake = new GroupCommit<Storing>({
    maxBatch: 200,
    maxConcurrent: 2,
    applyBatch: (batch) => this.insert(batch),
    applyOne: (one) => this.insert([one]),
  });

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(SlackIntakePool) private readonly intakePool: SlackIntakePool,
  ) {}

  /**
   * True when the event is new; false for a redelivery of one already stored. Events that arrive together share one
   * INSERT (a group commit): under a burst, one pooled connection per request would wait past Slack's 3 seconds.
   */
  async store(event: InboundEvent): Promise<boolean> {
    const pending: Storing = { event, fresh: false };
    await this.intake.submit(pending);
    return pending.fresh;
  }

  /** Inserts the batch; each event the statement inserted is fresh, once (a retry in the same batch is not). */
  private async insert(batch: readonly Storing[]): Promise<void> {
    const values: unknown[] = [];
    const tuples = batch.map(({ event }, i) => {
      values.push(event.eventId, event.orgId, event.connectionId, event.teamId, JSON.stringify(event.envelope), occurredAt(event));
      const at = i * 6;
      return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5}::jsonb, to_timestamp($${at + 6}::double precision))`;
    });
    const rows = await queryReturning<{ event_id: string }>(
      this.intakePool.dataSource,
      `INSERT INTO slack_connector.inbound_events (event_id, org_id, connection_id, team_id, body, occurred_at)
       VALUES ${tuples.join(', ')} ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
      values,
    );
    const inserted = new Set(rows.map((r) => r.event_id));
    for (const storing of batch) storing.fresh = inserted.delete(storing.event.eventId);
  }

  /**
   * Claims the waiting events of up to `room` lanes (the `lane` column: `{teamId}:{channel}`) for `leaseSeconds`:
   * lanes not in `busy` (this replica's), with no event claimed or held back (another replica's), oldest lanes first.
   * Each lane comes with its events in `ts` order up to, not including, the first one that has not waited `windowMs`
   * here yet (the order window, ADR 0042, 0043): an event Slack sends late, a retry after downtime, holds back what
   * was written after it until it has waited too, so siblings that come a little later still go before what followed
   * them. At most EVENTS_PER_LANE per lane.
   */
  async claim(room: number, busy: readonly string[], leaseSeconds: number, windowMs: number): Promise<Map<string, InboundEvent[]>> {
    type Row = { event_id: string; org_id: string; connection_id: string; team_id: string; body: Record<string, unknown> | null; lane: string };
    const rows = await queryReturning<Row>(
      this.dataSource,
      CLAIM,
      [room, busy, EVENTS_PER_LANE, leaseSeconds, windowMs],
    );
    const lanes = new Map<string, InboundEvent[]>();
    for (const r of rows) {
      if (!r.body) continue;
      const event = { eventId: r.event_id, orgId: r.org_id, connectionId: r.connection_id, teamId: r.team_id, envelope: r.body };
      lanes.set(r.lane, [...(lanes.get(r.lane) ?? []), event]);
    }
    for (const lane of lanes.values()) lane.sort(byPlace);
    return lanes;
  }

  /** Extends this replica's claim on the lanes it is handling (LaneDrainer.renew): their claimed, unhandled events. */
  async renew(lanes: readonly string[], leaseSeconds: number): Promise<void> {
    await this.dataSource.query(RENEW, [lanes, leaseSeconds]);
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

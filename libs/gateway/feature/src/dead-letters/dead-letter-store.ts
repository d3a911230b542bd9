import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { isTopicName, type Payload } from '@parley/contracts';
import type { WireRecord } from '@parley/messaging';
import { inTransaction } from '@parley/persistence';
import { DATA_SOURCE, notFound, ProblemException } from '@parley/service-runtime';
import type { DeadLetterView } from './dead-letter.schemas';

type DeadLettered = Payload<'parley.messaging.message.dead-lettered.v1'>;

interface Row {
  id: string;
  event_id: string;
  original_topic: string;
  partition: number | null;
  offset: string | null;
  message_key: string | null;
  value: string | null;
  value_encoding: 'utf8' | 'base64';
  headers: Record<string, string>;
  consumer_group: string;
  reason: string;
  failure: 'invalid-payload' | 'handler-failed';
  attempts: number;
  dead_lettered_at: Date | string;
  retried_at: Date | string | null;
  discarded_at: Date | string | null;
}

const COLUMNS = `id, event_id, original_topic, partition, "offset", message_key, value, value_encoding, headers, consumer_group, reason,
  failure, attempts, dead_lettered_at, retried_at, discarded_at`;

/** Problem types of the operator's actions on dead letters. */
export const deadLetterProblems = {
  discarded: 'urn:parley:problem:dead-letter-discarded',
  notReplayable: 'urn:parley:problem:dead-letter-not-replayable',
} as const;

/**
 * Owns `gateway.dead_letters`: every dead letter of every service, kept once per event with the original bytes,
 * key and headers, and what the operator did with it (retried once, discarded).
 */
@Injectable()
export class DeadLetterStore {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** Inside the consumer's transaction, so the record and the consumed event commit together. */
  async record(manager: EntityManager, eventId: string, d: DeadLettered): Promise<void> {
    await manager.query(
      `INSERT INTO gateway.dead_letters (event_id, original_topic, partition, "offset", message_key, value, value_encoding, headers,
         consumer_group, reason, failure, attempts, dead_lettered_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13) ON CONFLICT (event_id) DO NOTHING`,
      [eventId, d.originalTopic, d.partition ?? null, d.offset ?? null, d.key, d.value, d.valueEncoding, JSON.stringify(d.headers), d.consumerGroup, d.reason, d.failure, d.attempts, d.deadLetteredAt],
    );
  }

  /** Newest first, keyset-paged by row id; discarded ones only when asked for. */
  async list(query: { before?: string; limit: number; includeDiscarded: boolean }): Promise<{ items: DeadLetterView[]; nextBefore: string | null }> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM gateway.dead_letters
        WHERE ($1::bigint IS NULL OR id < $1::bigint) AND ($3::boolean OR discarded_at IS NULL)
        ORDER BY id DESC LIMIT $2`,
      [query.before ?? null, query.limit + 1, query.includeDiscarded],
    );
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return { items: page.map(view), nextBefore: rows.length > query.limit && last ? String(last.id) : null };
  }

  /**
   * Sends the original message again, once. The row stays locked while `send` waits for the broker, so a second
   * retry racing this one waits and then answers the recorded state without sending. Should the process die after
   * the broker took the message but before the commit, the retry is not recorded and may be sent again: the
   * envelope keeps its event id, so idempotent consumers still apply it once (docs/adr/0010).
   */
  async retry(eventId: string, send: (record: WireRecord) => Promise<void>): Promise<DeadLetterView> {
    return inTransaction(this.dataSource, async (manager) => {
      const row = await this.lock(manager, eventId);
      if (row.discarded_at !== null) {
        throw new ProblemException(409, 'This dead letter was discarded; it cannot be retried.', deadLetterProblems.discarded, undefined, {
          discardedAt: iso(row.discarded_at),
        });
      }
      if (row.retried_at !== null) return view(row);
      if (!isTopicName(row.original_topic)) {
        throw new ProblemException(409, `Its original topic ${row.original_topic} is not one Parley publishes any more.`, deadLetterProblems.notReplayable);
      }
      await send({
        topic: row.original_topic,
        key: row.message_key,
        value: row.value === null ? null : Buffer.from(row.value, row.value_encoding === 'base64' ? 'base64' : 'utf8'),
        headers: row.headers,
      });
      const [updated] = (await manager.query(`UPDATE gateway.dead_letters SET retried_at = now() WHERE id = $1 RETURNING ${COLUMNS}`, [row.id])) as [Row[], number];
      return view(updated[0] as Row);
    });
  }

  /** Marks it discarded (it leaves the default listing); discarding again changes nothing. */
  async discard(eventId: string): Promise<DeadLetterView> {
    return inTransaction(this.dataSource, async (manager) => {
      const row = await this.lock(manager, eventId);
      if (row.discarded_at !== null) return view(row);
      const [updated] = (await manager.query(`UPDATE gateway.dead_letters SET discarded_at = now() WHERE id = $1 RETURNING ${COLUMNS}`, [row.id])) as [Row[], number];
      return view(updated[0] as Row);
    });
  }

  private async lock(manager: EntityManager, eventId: string): Promise<Row> {
    const rows: Row[] = await manager.query(`SELECT ${COLUMNS} FROM gateway.dead_letters WHERE event_id = $1 FOR UPDATE`, [eventId]);
    const row = rows[0];
    if (!row) throw notFound('dead letter');
    return row;
  }
}

const iso = (value: Date | string): string => new Date(value).toISOString();

function view(r: Row): DeadLetterView {
  return {
    id: r.event_id,
    originalTopic: r.original_topic,
    partition: r.partition,
    offset: r.offset,
    key: r.message_key,
    consumerGroup: r.consumer_group,
    reason: r.reason,
    failure: r.failure,
    attempts: r.attempts,
    deadLetteredAt: iso(r.dead_lettered_at),
    retriedAt: r.retried_at === null ? null : iso(r.retried_at),
    discardedAt: r.discarded_at === null ? null : iso(r.discarded_at),
  };
}


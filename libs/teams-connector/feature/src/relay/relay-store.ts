import type { DataSource, EntityManager } from 'typeorm';
import { queryReturning } from '@parley/persistence';

export interface DeliveryRow {
  readonly deliveryId: string;
  readonly chatId: string | null;
  readonly openingSince: Date | null;
  readonly outcome: string | null;
  readonly completedAt: Date | null;
}

export interface PostRow {
  readonly deliveryId: string;
  readonly slot: string;
  readonly chatId: string;
  readonly senderUserId: string;
  readonly contentHash: string;
  readonly attempts: number;
  readonly firstAttemptAt: Date | null;
  readonly inFlightSince: Date | null;
  readonly messageId: string | null;
}

/** The last version of a message handed to the relay. */
export interface ObservedRow {
  readonly senderUserId: string;
  readonly versionAt: Date;
  readonly deleted: boolean;
}

type Query = Pick<DataSource | EntityManager, 'query'>;

/** teams_connector's relay tables (migration 1797400000400): deliveries, their posts, and observed versions. */
export class RelayStore {
  constructor(private readonly dataSource: DataSource) {}

  async delivery(deliveryId: string): Promise<DeliveryRow | null> {
    const rows: DeliveryRecord[] = await this.dataSource.query(`SELECT ${DELIVERY_COLUMNS} FROM teams_connector.relay_deliveries WHERE delivery_id = $1`, [deliveryId]);
    return rows[0] ? toDelivery(rows[0]) : null;
  }

  /**
   * The delivery's row, recorded now if it is new; a redelivery gets the row as it is (completed, maybe). One statement:
   * the insert, or where it conflicts, the row it conflicted with.
   */
  async beginDelivery(deliveryId: string, orgId: string, connectionId: string, chatId: string | null): Promise<DeliveryRow> {
    const rows: DeliveryRecord[] = await this.dataSource.query(
      `WITH begun AS (
         INSERT INTO teams_connector.relay_deliveries (delivery_id, org_id, connection_id, chat_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (delivery_id) DO NOTHING RETURNING ${DELIVERY_COLUMNS})
       SELECT * FROM begun UNION ALL SELECT ${DELIVERY_COLUMNS} FROM teams_connector.relay_deliveries WHERE delivery_id = $1 AND NOT EXISTS (SELECT 1 FROM begun)`,
      [deliveryId, orgId, connectionId, chatId],
    );
    // Empty only when a concurrent insert of the same delivery committed during the statement (its snapshot predates it).
    return rows[0] ? toDelivery(rows[0]) : ((await this.delivery(deliveryId)) as DeliveryRow);
  }

  /** Opening a chat is about to be asked for: from now on its outcome is unknown until recorded. */
  async markOpening(deliveryId: string): Promise<Date> {
    const rows = await queryReturning<{ opening_since: Date }>(
      this.dataSource,
      'UPDATE teams_connector.relay_deliveries SET opening_since = COALESCE(opening_since, now()) WHERE delivery_id = $1 RETURNING opening_since',
      [deliveryId],
    );
    return (rows[0] as { opening_since: Date }).opening_since;
  }

  async recordChat(deliveryId: string, chatId: string, openKey: string | null = null): Promise<void> {
    await this.dataSource.query('UPDATE teams_connector.relay_deliveries SET chat_id = $2, open_key = COALESCE($3, open_key) WHERE delivery_id = $1', [deliveryId, chatId, openKey]);
  }

  /** The chat an earlier delivery opened for the same people, if any (the first one opened). */
  async chatOpenedFor(openKey: string): Promise<string | null> {
    const rows: { chat_id: string }[] = await this.dataSource.query(
      'SELECT chat_id FROM teams_connector.relay_deliveries WHERE open_key = $1 AND chat_id IS NOT NULL ORDER BY created_at LIMIT 1',
      [openKey],
    );
    return rows[0]?.chat_id ?? null;
  }

  async complete(manager: EntityManager, deliveryId: string, outcome: 'delivered' | 'failed'): Promise<boolean> {
    const rows = await queryReturning(
      manager,
      'UPDATE teams_connector.relay_deliveries SET outcome = $2, completed_at = now() WHERE delivery_id = $1 AND completed_at IS NULL RETURNING 1',
      [deliveryId, outcome],
    );
    return rows.length > 0;
  }

  async post(deliveryId: string, slot: string): Promise<PostRow | null> {
    const rows: Record<string, unknown>[] = await this.dataSource.query('SELECT * FROM teams_connector.relay_posts WHERE delivery_id = $1 AND slot = $2', [deliveryId, slot]);
    return rows[0] ? toPost(rows[0]) : null;
  }

  async posts(deliveryId: string): Promise<PostRow[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query('SELECT * FROM teams_connector.relay_posts WHERE delivery_id = $1 ORDER BY slot', [deliveryId]);
    return rows.map(toPost);
  }

  /**
   * The service account's fallback posts of the delivery that made this message (one per recipient), when the message is
   * one of them, in this connection; empty for any other message.
   */
  async fallbackPostsOf(connectionId: string, messageId: string): Promise<PostRow[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT p.* FROM teams_connector.relay_posts t
         JOIN teams_connector.relay_deliveries d ON d.delivery_id = t.delivery_id AND d.connection_id = $1
         JOIN teams_connector.relay_posts p ON p.delivery_id = t.delivery_id AND p.slot LIKE 'fallback:%' AND p.message_id IS NOT NULL
       WHERE t.message_id = $2 AND t.slot LIKE 'fallback:%'
       ORDER BY p.first_attempt_at, p.slot`,
      [connectionId, messageId],
    );
    return rows.map(toPost);
  }

  /** The post's row, recorded now if it is new, else as an earlier attempt left it; one statement, as beginDelivery. */
  async preparePost(deliveryId: string, slot: string, chatId: string, senderUserId: string, contentHash: string): Promise<PostRow> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `WITH prepared AS (
         INSERT INTO teams_connector.relay_posts (delivery_id, slot, chat_id, sender_user_id, content_hash) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (delivery_id, slot) DO NOTHING RETURNING *)
       SELECT * FROM prepared UNION ALL SELECT * FROM teams_connector.relay_posts WHERE delivery_id = $1 AND slot = $2 AND NOT EXISTS (SELECT 1 FROM prepared)`,
      [deliveryId, slot, chatId, senderUserId, contentHash],
    );
    // Empty only when a concurrent insert of the same post committed during the statement (as in beginDelivery).
    return rows[0] ? toPost(rows[0]) : ((await this.post(deliveryId, slot)) as PostRow);
  }

  /** An attempt is about to go out; until its answer is recorded its outcome is unknown (a crash, a timeout). */
  async beginAttempt(deliveryId: string, slot: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE teams_connector.relay_posts SET attempts = attempts + 1, in_flight_since = now(), first_attempt_at = COALESCE(first_attempt_at, now())
       WHERE delivery_id = $1 AND slot = $2`,
      [deliveryId, slot],
    );
  }

  /** Graph answered without posting (a 429, a refusal): the attempt is known not to have posted. */
  async attemptRefused(deliveryId: string, slot: string): Promise<void> {
    await this.dataSource.query('UPDATE teams_connector.relay_posts SET in_flight_since = NULL WHERE delivery_id = $1 AND slot = $2', [deliveryId, slot]);
  }

  async recordPosted(deliveryId: string, slot: string, messageId: string): Promise<void> {
    await this.dataSource.query(
      'UPDATE teams_connector.relay_posts SET message_id = $3, posted_at = now(), in_flight_since = NULL WHERE delivery_id = $1 AND slot = $2',
      [deliveryId, slot, messageId],
    );
  }

  /** Whether Parley posted this message (any delivery, any slot): an observation of it is an echo. */
  async isOwnMessage(chatId: string, messageId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query('SELECT 1 FROM teams_connector.relay_posts WHERE chat_id = $1 AND message_id = $2', [chatId, messageId]);
    return rows.length > 0;
  }

  /** Whether another delivery already opened or posts in this chat (a group chat found again must be this one's). */
  async isChatOfAnotherDelivery(chatId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query('SELECT 1 FROM teams_connector.relay_deliveries WHERE chat_id = $1 LIMIT 1', [chatId]);
    return rows.length > 0;
  }

  /**
   * Recent posts in the chat whose outcome is still unknown (in flight here or in another replica, or cut short by a
   * crash). Older ones are left to their delivery's reconciliation: an observation no longer waits for them.
   */
  async inFlight(chatId: string, withinMs: number): Promise<PostRow[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT * FROM teams_connector.relay_posts WHERE chat_id = $1 AND in_flight_since > now() - ($2::int * interval '1 millisecond')`,
      [chatId, withinMs],
    );
    return rows.map(toPost);
  }

  /** Which of these messages of a chat were neither observed nor posted by Parley, in one query. */
  async unseen(chatId: string, messageIds: readonly string[]): Promise<string[]> {
    if (messageIds.length === 0) return [];
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT m.id FROM unnest($2::text[]) AS m(id)
        WHERE NOT EXISTS (SELECT 1 FROM teams_connector.relay_observed_messages o WHERE o.chat_id = $1 AND o.message_id = m.id)
          AND NOT EXISTS (SELECT 1 FROM teams_connector.relay_posts p WHERE p.chat_id = $1 AND p.message_id = m.id)`,
      [chatId, messageIds],
    );
    return rows.map((r) => r.id);
  }

  async observed(db: Query, chatId: string, messageId: string, lock: boolean): Promise<ObservedRow | null> {
    const rows: { sender_user_id: string; version_at: Date; deleted: boolean }[] = await db.query(
      `SELECT sender_user_id, version_at, deleted FROM teams_connector.relay_observed_messages WHERE chat_id = $1 AND message_id = $2${lock ? ' FOR UPDATE' : ''}`,
      [chatId, messageId],
    );
    const row = rows[0];
    return row ? { senderUserId: row.sender_user_id, versionAt: row.version_at, deleted: row.deleted } : null;
  }

  /** Inserts the first version, or moves to a newer one; false when another handler recorded this version first. */
  async recordObserved(manager: EntityManager, chatId: string, messageId: string, senderUserId: string, versionAt: Date, deleted: boolean): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO teams_connector.relay_observed_messages (chat_id, message_id, sender_user_id, version_at, deleted) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (chat_id, message_id) DO UPDATE SET version_at = EXCLUDED.version_at, deleted = EXCLUDED.deleted
         WHERE relay_observed_messages.version_at < EXCLUDED.version_at OR (EXCLUDED.deleted AND NOT relay_observed_messages.deleted)
       RETURNING 1`,
      [chatId, messageId, senderUserId, versionAt, deleted],
    );
    return rows.length > 0;
  }
}

const DELIVERY_COLUMNS = 'delivery_id, chat_id, opening_since, outcome, completed_at';

interface DeliveryRecord {
  delivery_id: string;
  chat_id: string | null;
  opening_since: Date | null;
  outcome: string | null;
  completed_at: Date | null;
}

function toDelivery(row: DeliveryRecord): DeliveryRow {
  return { deliveryId: row.delivery_id, chatId: row.chat_id, openingSince: row.opening_since, outcome: row.outcome, completedAt: row.completed_at };
}

function toPost(row: Record<string, unknown>): PostRow {
  return {
    deliveryId: row['delivery_id'] as string,
    slot: row['slot'] as string,
    chatId: row['chat_id'] as string,
    senderUserId: row['sender_user_id'] as string,
    contentHash: row['content_hash'] as string,
    attempts: Number(row['attempts']),
    firstAttemptAt: (row['first_attempt_at'] as Date | null) ?? null,
    inFlightSince: (row['in_flight_since'] as Date | null) ?? null,
    messageId: (row['message_id'] as string | null) ?? null,
  };
}

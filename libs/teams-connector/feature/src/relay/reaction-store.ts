import type { DataSource, EntityManager } from 'typeorm';
import { queryReturning } from '@parley/persistence';

type Query = Pick<DataSource | EntityManager, 'query'>;

/** A reaction as Parley last saw it on a message: who, the emoji key (ADR 0032) and Teams' own reactionType. */
export interface SeenReaction {
  readonly userId: string;
  readonly reactionKey: string;
  readonly reactionType: string;
}

/** teams_connector's reaction tables (migration 1798000000010). */
export class ReactionStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Starts a delivery; false when it already finished. */
  async beginDelivery(deliveryId: string, orgId: string): Promise<boolean> {
    await this.dataSource.query(`INSERT INTO teams_connector.reaction_deliveries (delivery_id, org_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [deliveryId, orgId]);
    const rows: { completed_at: Date | null }[] = await this.dataSource.query(`SELECT completed_at FROM teams_connector.reaction_deliveries WHERE delivery_id = $1`, [
      deliveryId,
    ]);
    return rows[0]?.completed_at == null;
  }

  async complete(manager: EntityManager, deliveryId: string, outcome: string): Promise<boolean> {
    const rows = await queryReturning(
      manager,
      `UPDATE teams_connector.reaction_deliveries SET outcome = $2, completed_at = now() WHERE delivery_id = $1 AND completed_at IS NULL RETURNING delivery_id`,
      [deliveryId, outcome],
    );
    return rows.length > 0;
  }

  async remember(chatId: string, messageId: string, userId: string, reactionKey: string, reactionType: string, db: Query = this.dataSource): Promise<void> {
    await db.query(
      `INSERT INTO teams_connector.message_reactions (chat_id, message_id, user_id, reaction_key, reaction_type) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (chat_id, message_id, user_id, reaction_key) DO UPDATE SET reaction_type = EXCLUDED.reaction_type, seen_at = now()`,
      [chatId, messageId, userId, reactionKey, reactionType],
    );
  }

  async forget(chatId: string, messageId: string, userId: string, reactionKey: string, db: Query = this.dataSource): Promise<void> {
    await db.query(`DELETE FROM teams_connector.message_reactions WHERE chat_id = $1 AND message_id = $2 AND user_id = $3 AND reaction_key = $4`, [
      chatId,
      messageId,
      userId,
      reactionKey,
    ]);
  }

  /** What Parley last saw on a message, locked for the transaction that compares it with a new listing. */
  async seen(manager: EntityManager, chatId: string, messageId: string): Promise<SeenReaction[]> {
    const rows: { user_id: string; reaction_key: string; reaction_type: string }[] = await manager.query(
      `SELECT user_id, reaction_key, reaction_type FROM teams_connector.message_reactions WHERE chat_id = $1 AND message_id = $2 ORDER BY user_id, reaction_key FOR UPDATE`,
      [chatId, messageId],
    );
    return rows.map((r) => ({ userId: r.user_id, reactionKey: r.reaction_key, reactionType: r.reaction_type }));
  }

  /**
   * Whether a listing of this version is newer than the last one compared (or the first), and if so records it as the
   * last; false for an older listing, which a late or retried notification carries and which must change nothing.
   */
  async newerListing(manager: EntityManager, chatId: string, messageId: string, listedAt: string): Promise<boolean> {
    const rows = await queryReturning(
      manager,
      `INSERT INTO teams_connector.message_reaction_listings (chat_id, message_id, listed_at) VALUES ($1, $2, $3)
       ON CONFLICT (chat_id, message_id) DO UPDATE SET listed_at = EXCLUDED.listed_at
         WHERE message_reaction_listings.listed_at <= EXCLUDED.listed_at
       RETURNING 1`,
      [chatId, messageId, listedAt],
    );
    return rows.length > 0;
  }
}

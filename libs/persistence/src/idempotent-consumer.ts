import type { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from './outbox/outbox';

export type IdempotentOutcome = 'applied' | 'duplicate';

/**
 * Applies a message's effect at most once per consumer: the message id is recorded in the same transaction as the
 * effect, so a redelivery after a crash (effect committed, offset not) finds the record and does nothing new.
 * A concurrent duplicate waits on the primary key and then sees the first one's record.
 */
export class IdempotentConsumer {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {}

  /**
   * Whether the message's effect was already applied. For handlers whose platform calls happen before the recording
   * transaction: a redelivery of a finished message then skips the calls too. `run` stays the authority.
   */
  async hasProcessed(consumer: string, messageId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM "${this.schema}".processed_messages WHERE consumer = $1 AND message_id = $2`,
      [consumer, messageId],
    );
    return rows.length > 0;
  }

  async run(consumer: string, messageId: string, effect: (manager: EntityManager) => Promise<void>): Promise<IdempotentOutcome> {
    return inTransaction(this.dataSource, async (manager) => {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO "${this.schema}".processed_messages (consumer, message_id) VALUES ($1, $2)
         ON CONFLICT DO NOTHING RETURNING 1`,
        [consumer, messageId],
      );
      if (inserted.length === 0) return 'duplicate';
      await effect(manager);
      return 'applied';
    });
  }

  /**
   * `run` for many messages in one transaction: the ids not recorded before are recorded and handed to the effect,
   * which applies only those; the rest are duplicates. Returns the ids applied now.
   */
  async runBatch(
    consumer: string,
    messageIds: readonly string[],
    effect: (manager: EntityManager, fresh: ReadonlySet<string>) => Promise<void>,
  ): Promise<ReadonlySet<string>> {
    return inTransaction(this.dataSource, async (manager) => {
      const inserted: { message_id: string }[] = await manager.query(
        `INSERT INTO "${this.schema}".processed_messages (consumer, message_id) SELECT $1, unnest($2::text[])
         ON CONFLICT DO NOTHING RETURNING message_id`,
        [consumer, [...messageIds]],
      );
      const fresh = new Set(inserted.map((r) => r.message_id));
      if (fresh.size > 0) await effect(manager, fresh);
      return fresh;
    });
  }
}

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
}

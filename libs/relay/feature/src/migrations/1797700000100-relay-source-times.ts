import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each delivery keeps the time of the platform event that caused it (parley.message.received.v1 `occurredAt`), so
 * the relay can tell how long it took from that event to the delivery's outcome (parley_relay_end_to_end_seconds).
 */
export class RelaySourceTimes1797700000100 implements MigrationInterface {
  name = 'RelaySourceTimes1797700000100';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE relay.deliveries ADD COLUMN source_occurred_at timestamptz`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE relay.deliveries DROP COLUMN source_occurred_at`);
  }
}

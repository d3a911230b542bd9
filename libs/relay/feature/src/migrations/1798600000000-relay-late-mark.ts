import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A create that went out saying it came late keeps the written time it said (ADR 0045), so that an edit of the
 * message says it too: an edit replaces the whole text on the other side, the line included.
 */
export class RelayLateMark1798600000000 implements MigrationInterface {
  name = 'RelayLateMark1798600000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE relay.deliveries ADD COLUMN marked_late_at timestamptz`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE relay.deliveries DROP COLUMN marked_late_at`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The operator acts on dead letters: when one was sent again (once), and when one was discarded. */
export class GatewayDeadLetterActions1796400000100 implements MigrationInterface {
  name = 'GatewayDeadLetterActions1796400000100';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE gateway.dead_letters ADD COLUMN retried_at timestamptz NULL, ADD COLUMN discarded_at timestamptz NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE gateway.dead_letters DROP COLUMN discarded_at, DROP COLUMN retried_at`);
  }
}

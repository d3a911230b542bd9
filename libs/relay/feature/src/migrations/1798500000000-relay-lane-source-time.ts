import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each lane (a twin's side) keeps the source time of the latest message it has sent there, so that a message written
 * before it but relayed after it (its platform sent it late: a retry after downtime, a notification caught up) says
 * on the other side when it was written (ADR 0045).
 */
export class RelayLaneSourceTime1798500000000 implements MigrationInterface {
  name = 'RelayLaneSourceTime1798500000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE relay.lanes ADD COLUMN last_source_at timestamptz`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE relay.lanes DROP COLUMN last_source_at`);
  }
}

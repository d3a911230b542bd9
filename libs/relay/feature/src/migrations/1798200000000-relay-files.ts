import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Files (ADR 0039): each create's files and what became of them (`files`: name, kind, size and state per file; never
 * its bytes), and the organization's relay settings, of which the first is the switch that turns file relay off.
 */
export class RelayFiles1798200000000 implements MigrationInterface {
  name = 'RelayFiles1798200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE relay.deliveries ADD COLUMN files jsonb`);
    await runner.query(`
      CREATE TABLE relay.org_settings (
        org_id text PRIMARY KEY,
        file_relay boolean NOT NULL DEFAULT true,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE relay.org_settings`);
    await runner.query(`ALTER TABLE relay.deliveries DROP COLUMN files`);
  }
}

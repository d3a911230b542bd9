import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Catch-up's findings wait in the notification inbox too (ADR 0043), so a conversation's messages are handed over in
 * the order they were written whichever way Parley learned of them; each row says which way that was.
 */
export class TeamsConnectorInboxSource1798500000400 implements MigrationInterface {
  name = 'TeamsConnectorInboxSource1798500000400';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE teams_connector.notification_inbox ADD COLUMN source text NOT NULL DEFAULT 'notification' CHECK (source IN ('notification', 'catch-up'))`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE teams_connector.notification_inbox DROP COLUMN source');
  }
}

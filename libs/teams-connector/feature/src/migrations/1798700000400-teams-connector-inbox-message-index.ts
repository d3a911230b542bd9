import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The read-back (ADR 0047) asks, for each chat it reads, which of the listed messages already wait in the inbox, failed
 * ones included; the chat index is partial (rows not failed), so that question scanned the whole table, about a
 * millisecond a time once thousands of rows waited. Indexed on what it asks.
 */
export class TeamsConnectorInboxMessageIndex1798700000400 implements MigrationInterface {
  name = 'TeamsConnectorInboxMessageIndex1798700000400';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE INDEX notification_inbox_chat_message ON teams_connector.notification_inbox (chat_id, message_id)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX teams_connector.notification_inbox_chat_message');
  }
}

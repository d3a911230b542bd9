import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Graph change notifications between the ack and their handling (ADR 0042): the endpoint verifies and decrypts a
 * notification, stores what it says here and answers 202 at once, well inside Graph's 3 seconds; the inbox hands the
 * rows to the relay side per conversation, in the order the messages were written. event_id dedupes Graph's retries
 * while a row waits. A row is deleted once handled, so a message body rests here only for that time; a row that
 * kept failing is kept with its reason (failed_at) for the operator.
 */
export class TeamsConnectorNotificationInbox1798400000400 implements MigrationInterface {
  name = 'TeamsConnectorNotificationInbox1798400000400';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE teams_connector.notification_inbox (
        id bigserial PRIMARY KEY,
        event_id text NOT NULL UNIQUE,
        org_id text NOT NULL,
        connection_id uuid NOT NULL,
        chat_id text NOT NULL,
        message_id text NOT NULL,
        thread_root_id text,
        change_type text NOT NULL,
        message jsonb,
        version_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        claimed_until timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        failed_at timestamptz
      )`);
    await runner.query('CREATE INDEX notification_inbox_pending ON teams_connector.notification_inbox (version_at, id) WHERE failed_at IS NULL');
    await runner.query('CREATE INDEX notification_inbox_chat ON teams_connector.notification_inbox (chat_id) WHERE failed_at IS NULL');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE teams_connector.notification_inbox');
  }
}

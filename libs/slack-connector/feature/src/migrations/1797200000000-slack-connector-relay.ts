import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The relay's Slack side: Events API deliveries kept from the ack until they are published (durable dedupe by
 * event_id), the messages already published (one per message however many installations saw it), deliveries with
 * their attempts (reconciled after an unknown outcome), what Parley posted (echo suppression) and notices.
 * No table keeps a message body beyond its handling: an inbound event's envelope is emptied once it is published.
 */
export class SlackConnectorRelay1797200000000 implements MigrationInterface {
  name = 'SlackConnectorRelay1797200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE slack_connector.inbound_events (
        event_id text PRIMARY KEY,
        org_id text NOT NULL,
        connection_id uuid NOT NULL,
        team_id text NOT NULL,
        body jsonb,
        received_at timestamptz NOT NULL DEFAULT now(),
        claimed_until timestamptz,
        processed_at timestamptz,
        outcome text
      )`);
    await runner.query(`CREATE INDEX inbound_events_pending ON slack_connector.inbound_events (received_at) WHERE processed_at IS NULL`);
    await runner.query(`CREATE INDEX inbound_events_processed ON slack_connector.inbound_events (processed_at) WHERE processed_at IS NOT NULL`);
    await runner.query(`
      CREATE TABLE slack_connector.published_messages (
        team_id text NOT NULL,
        message_key text NOT NULL,
        event_id text NOT NULL,
        published_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (team_id, message_key)
      )`);
    await runner.query(`
      CREATE TABLE slack_connector.deliveries (
        delivery_id uuid PRIMARY KEY,
        org_id text NOT NULL,
        connection_id uuid NOT NULL,
        team_id text NOT NULL,
        change text NOT NULL,
        channel_id text,
        voice text,
        state text NOT NULL CHECK (state IN ('attempting', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        ts text,
        reason text,
        last_attempt_at timestamptz,
        finished_at timestamptz
      )`);
    await runner.query(`CREATE INDEX deliveries_in_flight ON slack_connector.deliveries (team_id, channel_id) WHERE state = 'attempting'`);
    await runner.query(`
      CREATE TABLE slack_connector.posted_messages (
        team_id text NOT NULL,
        channel_id text NOT NULL,
        ts text NOT NULL,
        delivery_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('person', 'fallback', 'notice')),
        recipient text,
        posted_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (team_id, channel_id, ts)
      )`);
    await runner.query(`CREATE INDEX posted_messages_delivery ON slack_connector.posted_messages (delivery_id)`);
    await runner.query(`
      CREATE TABLE slack_connector.notices (
        notice_id uuid PRIMARY KEY,
        org_id text NOT NULL,
        team_id text NOT NULL,
        state text NOT NULL CHECK (state IN ('attempting', 'posted')),
        channel_id text,
        ts text,
        attempts integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE slack_connector.notices');
    await runner.query('DROP TABLE slack_connector.posted_messages');
    await runner.query('DROP TABLE slack_connector.deliveries');
    await runner.query('DROP TABLE slack_connector.published_messages');
    await runner.query('DROP TABLE slack_connector.inbound_events');
  }
}

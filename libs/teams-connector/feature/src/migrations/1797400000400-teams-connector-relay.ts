import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the relay side of teams-connector must remember (ADR 0023), ids, states and hashes only, never a body:
 * - relay_deliveries: one row per delivery id (the idempotency key): the chat it went to (an opened chat is recorded
 *   before anything is posted in it, so a group chat is never created twice), the member set it opened a chat for
 *   (a later delivery to the same people reuses that chat), when opening a chat began (an unknown outcome is looked
 *   up before opening again), and when it finished.
 * - relay_posts: each post one delivery makes (its message, or a fallback post per recipient, or a notice): attempts,
 *   an attempt in flight whose outcome is unknown until the chat is read back, and the message id Graph gave it. The
 *   (chat, message) index is how an observation is recognised as Parley's own echo.
 * - relay_observed_messages: the last version of each chat message handed to the relay, so a notification and the
 *   catch-up that covers the same change publish it once, and a stale version never overtakes a newer one.
 */
export class TeamsConnectorRelay1797400000400 implements MigrationInterface {
  name = 'TeamsConnectorRelay1797400000400';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE teams_connector.relay_deliveries (
        delivery_id uuid PRIMARY KEY,
        org_id text NOT NULL,
        connection_id uuid NOT NULL,
        chat_id text,
        open_key text,
        opening_since timestamptz,
        outcome text,
        completed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query('CREATE INDEX relay_deliveries_open_key ON teams_connector.relay_deliveries (open_key, created_at) WHERE open_key IS NOT NULL AND chat_id IS NOT NULL');
    await runner.query(`
      CREATE TABLE teams_connector.relay_posts (
        delivery_id uuid NOT NULL,
        slot text NOT NULL,
        chat_id text NOT NULL,
        sender_user_id text NOT NULL,
        content_hash text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        first_attempt_at timestamptz,
        in_flight_since timestamptz,
        message_id text,
        posted_at timestamptz,
        PRIMARY KEY (delivery_id, slot)
      )`);
    await runner.query('CREATE UNIQUE INDEX relay_posts_message ON teams_connector.relay_posts (chat_id, message_id) WHERE message_id IS NOT NULL');
    await runner.query('CREATE INDEX relay_posts_in_flight ON teams_connector.relay_posts (chat_id) WHERE in_flight_since IS NOT NULL');
    await runner.query(`
      CREATE TABLE teams_connector.relay_observed_messages (
        chat_id text NOT NULL,
        message_id text NOT NULL,
        sender_user_id text NOT NULL,
        version_at timestamptz NOT NULL,
        deleted boolean NOT NULL DEFAULT false,
        PRIMARY KEY (chat_id, message_id)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE teams_connector.relay_observed_messages');
    await runner.query('DROP TABLE teams_connector.relay_posts');
    await runner.query('DROP TABLE teams_connector.relay_deliveries');
  }
}

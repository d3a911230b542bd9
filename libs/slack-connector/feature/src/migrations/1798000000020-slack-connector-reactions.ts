import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reactions (ADR 0032), ids and names only:
 * - made_reactions: each reaction change Parley made with someone's user token, written before the call, so the
 *   reaction_added / reaction_removed event it causes (a person's own event: no bot_id) is known as Parley's echo.
 * - reaction_deliveries: one row per reaction delivery id (the idempotency key) and its outcome.
 */
export class SlackConnectorReactions1798000000020 implements MigrationInterface {
  name = 'SlackConnectorReactions1798000000020';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE slack_connector.made_reactions (
        team_id text NOT NULL,
        channel_id text NOT NULL,
        message_ts text NOT NULL,
        user_id text NOT NULL,
        reaction text NOT NULL,
        change text NOT NULL CHECK (change IN ('added', 'removed')),
        made_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (team_id, channel_id, message_ts, user_id, reaction, change)
      )`);
    await runner.query(`CREATE INDEX made_reactions_made_at ON slack_connector.made_reactions (made_at)`);
    await runner.query(`
      CREATE TABLE slack_connector.reaction_deliveries (
        delivery_id uuid PRIMARY KEY,
        org_id text NOT NULL,
        outcome text,
        completed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE slack_connector.reaction_deliveries');
    await runner.query('DROP TABLE slack_connector.made_reactions');
  }
}

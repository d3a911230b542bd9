import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reactions (ADR 0032), ids and emoji keys only:
 * - message_reactions: the reactions Parley last saw on each chat message it relays, or set itself. Teams sends the
 *   whole reactions[] on every update (sometimes twice for one change); the difference against this is what changed,
 *   and a reaction Parley set is here before its notification arrives, so it is no change (no echo).
 * - reaction_deliveries: one row per reaction delivery id (the idempotency key) and its outcome.
 */
export class TeamsConnectorReactions1798000000010 implements MigrationInterface {
  name = 'TeamsConnectorReactions1798000000010';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE teams_connector.message_reactions (
        chat_id text NOT NULL,
        message_id text NOT NULL,
        user_id text NOT NULL,
        reaction_key text NOT NULL,
        reaction_type text NOT NULL,
        seen_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (chat_id, message_id, user_id, reaction_key)
      )`);
    await runner.query(`
      CREATE TABLE teams_connector.reaction_deliveries (
        delivery_id uuid PRIMARY KEY,
        org_id text NOT NULL,
        outcome text,
        completed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE teams_connector.reaction_deliveries');
    await runner.query('DROP TABLE teams_connector.message_reactions');
  }
}

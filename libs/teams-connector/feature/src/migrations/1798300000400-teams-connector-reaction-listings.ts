import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The version (Graph's lastModifiedDateTime, which moves with every reaction change) of the reaction listing last
 * compared for a message. Graph sends notifications in no set order, and retries them: an older listing arriving after
 * a newer one would otherwise read as removals nobody made.
 */
export class TeamsConnectorReactionListings1798300000400 implements MigrationInterface {
  name = 'TeamsConnectorReactionListings1798300000400';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE teams_connector.message_reaction_listings (
        chat_id text NOT NULL,
        message_id text NOT NULL,
        listed_at timestamptz NOT NULL,
        PRIMARY KEY (chat_id, message_id)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE teams_connector.message_reaction_listings`);
  }
}

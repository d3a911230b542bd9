import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a directory import must remember between runs: the delta link of each connection (the next import reads only
 * what changed), and each user's email, because Graph reports a removed user by id alone.
 */
export class TeamsConnectorDirectory1796300000400 implements MigrationInterface {
  name = 'TeamsConnectorDirectory1796300000400';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE teams_connector.directory_delta_links (
        connection_id uuid PRIMARY KEY,
        org_id text NOT NULL,
        delta_link text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE teams_connector.directory_users (
        connection_id uuid NOT NULL,
        user_id text NOT NULL,
        email text NOT NULL,
        PRIMARY KEY (connection_id, user_id)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE teams_connector.directory_users');
    await runner.query('DROP TABLE teams_connector.directory_delta_links');
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Mirrors of Teams people on Slack, and the bookkeeping that makes a directory import publish each member once. */
export class SlackConnectorMirrors1795900000300 implements MigrationInterface {
  name = 'SlackConnectorMirrors1795900000300';

  async up(runner: QueryRunner): Promise<void> {
    // One SCIM mirror per person per workspace; its Slack user id is also how an import recognises (and skips) it.
    await runner.query(`
      CREATE TABLE slack_connector.scim_mirrors (
        org_id text NOT NULL,
        team_id text NOT NULL,
        person_id uuid NOT NULL,
        connection_id uuid NOT NULL,
        slack_user_id text NOT NULL,
        user_name text NOT NULL,
        email text NOT NULL,
        active boolean NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, team_id, person_id),
        UNIQUE (team_id, slack_user_id)
      )`);
    // Without SCIM: the name and avatar Parley posts under for a person; its id is the mirror id.
    await runner.query(`
      CREATE TABLE slack_connector.profile_mirrors (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id text NOT NULL,
        person_id uuid NOT NULL,
        connection_id uuid NOT NULL,
        email text NOT NULL,
        display_name text NOT NULL,
        avatar_url text,
        active boolean NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (org_id, person_id)
      )`);
    await runner.query(`
      CREATE TABLE slack_connector.directory_imports (
        sync_id uuid NOT NULL,
        connection_id uuid NOT NULL,
        org_id text NOT NULL,
        team_id text NOT NULL,
        observed integer NOT NULL DEFAULT 0,
        skipped_without_email integer NOT NULL DEFAULT 0,
        skipped_mirrors integer NOT NULL DEFAULT 0,
        started_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        PRIMARY KEY (sync_id, connection_id)
      )`);
    // Members already published for a running import; emptied when it completes.
    await runner.query(`
      CREATE TABLE slack_connector.directory_import_users (
        sync_id uuid NOT NULL,
        connection_id uuid NOT NULL,
        slack_user_id text NOT NULL,
        PRIMARY KEY (sync_id, connection_id, slack_user_id),
        FOREIGN KEY (sync_id, connection_id) REFERENCES slack_connector.directory_imports (sync_id, connection_id) ON DELETE CASCADE
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE slack_connector.directory_import_users');
    await runner.query('DROP TABLE slack_connector.directory_imports');
    await runner.query('DROP TABLE slack_connector.profile_mirrors');
    await runner.query('DROP TABLE slack_connector.scim_mirrors');
  }
}

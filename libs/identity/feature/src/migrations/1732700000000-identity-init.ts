import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createMessagingTables, dropMessagingTables } from '@parley/persistence';

export class IdentityInit1732700000000 implements MigrationInterface {
  name = 'IdentityInit1732700000000';

  async up(runner: QueryRunner): Promise<void> {
    await createMessagingTables(runner, 'identity');
    await runner.query(`
      CREATE TABLE identity.people (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id text NOT NULL,
        email text NOT NULL,
        display_name text NOT NULL,
        primary_platform text CHECK (primary_platform IN ('slack', 'teams')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (org_id, email)
      )`);
    await runner.query(`
      CREATE TABLE identity.platform_accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id text NOT NULL,
        person_id uuid NOT NULL REFERENCES identity.people(id) ON DELETE CASCADE,
        platform text NOT NULL CHECK (platform IN ('slack', 'teams')),
        platform_user_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('native', 'guest', 'mirror')),
        status text NOT NULL CHECK (status IN ('active', 'deactivated', 'needs_attention')),
        last_observed_at timestamptz NOT NULL,
        UNIQUE (org_id, platform, platform_user_id)
      )`);
    await runner.query(`CREATE INDEX platform_accounts_person ON identity.platform_accounts (person_id)`);
    // Append-only record of what each directory import saw: the sync report's source, one row per event.
    await runner.query(`
      CREATE TABLE identity.directory_observations (
        id bigserial PRIMARY KEY,
        event_id text NOT NULL,
        org_id text NOT NULL,
        platform text NOT NULL,
        platform_user_id text NOT NULL,
        email text NOT NULL,
        outcome text NOT NULL,
        observed_at timestamptz NOT NULL
      )`);
    await runner.query(`CREATE INDEX directory_observations_org ON identity.directory_observations (org_id, observed_at)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE identity.directory_observations');
    await runner.query('DROP TABLE identity.platform_accounts');
    await runner.query('DROP TABLE identity.people');
    await dropMessagingTables(runner, 'identity');
  }
}

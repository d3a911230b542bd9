import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createCredentialTables, dropCredentialTables } from '@parley/identity-credential-vault';

/**
 * User sync: platform connections (settings here, secrets sealed in the vault's credentials table), how people's
 * primary platform was decided and whether they are active, what Parley knows of each account (kind, attention,
 * consent), per-import counters that tell when a directory import is fully applied, and consent requests.
 */
export class IdentityUserSync1796100000000 implements MigrationInterface {
  name = 'IdentityUserSync1796100000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE identity.connections (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id text NOT NULL,
        platform text NOT NULL CHECK (platform IN ('slack', 'teams')),
        settings jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz NULL
      )`);
    // One live connection per org and platform; a deleted one stays for the record and frees the slot.
    await runner.query(`CREATE UNIQUE INDEX connections_live ON identity.connections (org_id, platform) WHERE deleted_at IS NULL`);

    await createCredentialTables(runner, 'identity');

    await runner.query(`
      ALTER TABLE identity.people
        ADD COLUMN primary_platform_source text NULL CHECK (primary_platform_source IN ('rule', 'admin')),
        ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deactivated'))`);
    await runner.query(`UPDATE identity.people SET primary_platform_source = 'rule' WHERE primary_platform IS NOT NULL`);

    await runner.query(`
      ALTER TABLE identity.platform_accounts
        ADD COLUMN attention_reason text NULL,
        ADD COLUMN user_principal_name text NULL,
        ADD COLUMN consented boolean NOT NULL DEFAULT false,
        ADD COLUMN mirror_kind text NULL CHECK (mirror_kind IN ('scim', 'profile')),
        ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()`);
    // Parley makes at most one guest and one mirror per person.
    await runner.query(`
      CREATE UNIQUE INDEX platform_accounts_one_managed ON identity.platform_accounts (person_id, platform, kind)
      WHERE kind IN ('guest', 'mirror')`);

    // Per directory import: how many observations the connector announced (expected, once it has finished) and how
    // many distinct users identity has applied; reconciled_at is set once, by whichever side completes the count.
    await runner.query(`
      CREATE TABLE identity.directory_imports (
        sync_id uuid NOT NULL,
        platform text NOT NULL CHECK (platform IN ('slack', 'teams')),
        org_id text NOT NULL,
        expected integer NULL,
        applied integer NOT NULL DEFAULT 0,
        reconciled_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (sync_id, platform)
      )`);
    // The users an import has applied, so a connector that re-reads a directory after a crash is not counted twice.
    await runner.query(`
      CREATE TABLE identity.directory_import_users (
        sync_id uuid NOT NULL,
        platform text NOT NULL,
        platform_user_id text NOT NULL,
        PRIMARY KEY (sync_id, platform, platform_user_id)
      )`);
    await runner.query(`ALTER TABLE identity.directory_observations ADD COLUMN sync_id uuid NULL`);

    // Account Sync consent links: the state is random and single-use; only its SHA-256 is stored.
    await runner.query(`
      CREATE TABLE identity.consent_requests (
        state_hash text PRIMARY KEY,
        org_id text NOT NULL,
        person_id uuid NOT NULL REFERENCES identity.people(id) ON DELETE CASCADE,
        connection_id uuid NOT NULL REFERENCES identity.connections(id),
        redirect_uri text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz NULL
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE identity.consent_requests');
    await runner.query('ALTER TABLE identity.directory_observations DROP COLUMN sync_id');
    await runner.query('DROP TABLE identity.directory_import_users');
    await runner.query('DROP TABLE identity.directory_imports');
    await runner.query('DROP INDEX identity.platform_accounts_one_managed');
    await runner.query(`
      ALTER TABLE identity.platform_accounts
        DROP COLUMN updated_at, DROP COLUMN mirror_kind, DROP COLUMN consented, DROP COLUMN user_principal_name, DROP COLUMN attention_reason`);
    await runner.query('ALTER TABLE identity.people DROP COLUMN status, DROP COLUMN primary_platform_source');
    await dropCredentialTables(runner, 'identity');
    await runner.query('DROP INDEX identity.connections_live');
    await runner.query('DROP TABLE identity.connections');
  }
}

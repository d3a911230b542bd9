import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A guest or mirror Parley was asked to make, whose command was dead-lettered, is recorded as needing attention
 * before it exists on the platform: it has no platform user id yet. The (org, platform, platform_user_id) unique
 * constraint still holds for every account that has one (NULLs are distinct); one guest and one mirror per person
 * stays guaranteed by platform_accounts_one_managed.
 */
export class IdentityUnmadeAccounts1796400000000 implements MigrationInterface {
  name = 'IdentityUnmadeAccounts1796400000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE identity.platform_accounts ALTER COLUMN platform_user_id DROP NOT NULL`);
    await runner.query(`
      ALTER TABLE identity.platform_accounts ADD CONSTRAINT platform_accounts_unmade_is_managed
        CHECK (platform_user_id IS NOT NULL OR (kind IN ('guest', 'mirror') AND status = 'needs_attention'))`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE identity.platform_accounts DROP CONSTRAINT platform_accounts_unmade_is_managed`);
    await runner.query(`DELETE FROM identity.platform_accounts WHERE platform_user_id IS NULL`);
    await runner.query(`ALTER TABLE identity.platform_accounts ALTER COLUMN platform_user_id SET NOT NULL`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A Slack workspace or a Microsoft 365 tenant belongs to one organization at a time: two orgs connected to the same
 * one each ran their own Guest Account Sync (two guests per person, colliding Slack mirrors). `platform_tenant_id`
 * is the workspace (Slack team id) or tenant id a connection reaches; a partial unique index over the live
 * connections makes the database, not a check-then-insert, decide between two admins connecting at once.
 */
export class IdentityOneOrgPerWorkspace1796500000000 implements MigrationInterface {
  name = 'IdentityOneOrgPerWorkspace1796500000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE identity.connections ADD COLUMN platform_tenant_id text GENERATED ALWAYS AS (
        CASE platform WHEN 'slack' THEN settings->>'teamId' ELSE settings->>'tenantId' END
      ) STORED`);
    // Earlier versions allowed the duplicates: the first org to connect keeps the workspace, later live connections
    // to it are retired like a DELETE would (marked deleted, their secrets and tokens removed). ADR 0009.
    await runner.query(`
      WITH ranked AS (
        SELECT id, row_number() OVER (PARTITION BY platform, platform_tenant_id ORDER BY created_at, id) AS n
        FROM identity.connections WHERE deleted_at IS NULL
      ), retired AS (
        UPDATE identity.connections c SET deleted_at = now() FROM ranked r WHERE c.id = r.id AND r.n > 1 RETURNING c.id::text AS id, c.org_id
      )
      DELETE FROM identity.credentials cr USING retired r
      WHERE cr.org_id = r.org_id AND ((cr.owner_kind = 'connection' AND cr.owner_id = r.id) OR (cr.owner_kind = 'account' AND cr.purpose LIKE '%/' || r.id))`);
    await runner.query(`
      CREATE UNIQUE INDEX connections_platform_tenant_live ON identity.connections (platform, platform_tenant_id) WHERE deleted_at IS NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX identity.connections_platform_tenant_live');
    await runner.query('ALTER TABLE identity.connections DROP COLUMN platform_tenant_id');
  }
}

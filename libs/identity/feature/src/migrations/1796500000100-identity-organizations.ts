import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Organizations move from the gateway's schema to identity, which owns them in the design. Rows an earlier version
 * kept in `gateway.orgs` are not read from here (nobody reads another service's schema): the gateway hands them over
 * through `PUT /internal/orgs/{orgId}` at start, with their ids and creation times (ADR 0009).
 */
export class IdentityOrganizations1796500000100 implements MigrationInterface {
  name = 'IdentityOrganizations1796500000100';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE identity.organizations (
        id text PRIMARY KEY CHECK (id ~ '^org_[A-Za-z0-9]{8,40}$'),
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE identity.organizations');
  }
}

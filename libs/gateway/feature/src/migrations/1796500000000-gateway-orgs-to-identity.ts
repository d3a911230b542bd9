import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Organizations belong to identity now; the gateway keeps API keys and the org id each is scoped to. An earlier
 * version's organizations wait in `gateway.orgs_to_hand_over` until the gateway has handed each one to identity
 * (`OrgHandover`, at start, with retries): nothing here deletes an organization (ADR 0009). The keys' foreign key
 * goes first, since its ON DELETE CASCADE would take an org's keys with the handed-over row.
 */
export class GatewayOrgsToIdentity1796500000000 implements MigrationInterface {
  name = 'GatewayOrgsToIdentity1796500000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE gateway.api_keys DROP CONSTRAINT IF EXISTS api_keys_org_id_fkey');
    await runner.query('ALTER TABLE gateway.orgs RENAME TO orgs_to_hand_over');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE gateway.orgs_to_hand_over RENAME TO orgs');
    // Organizations created since live in identity only; their keys keep no foreign key until they are copied back.
    await runner.query(`
      ALTER TABLE gateway.api_keys ADD CONSTRAINT api_keys_org_id_fkey
        FOREIGN KEY (org_id) REFERENCES gateway.orgs(id) ON DELETE CASCADE NOT VALID`);
  }
}

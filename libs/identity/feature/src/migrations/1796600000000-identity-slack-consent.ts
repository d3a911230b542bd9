import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Consent requests name their platform: a Teams one (Account Sync) is redeemed at Microsoft's token endpoint, a
 * Slack one (a Teams-primary person's Slack voice) with oauth.v2.access. Each completion claims only its own kind,
 * so a state can never be redeemed against the other platform.
 */
export class IdentitySlackConsent1796600000000 implements MigrationInterface {
  name = 'IdentitySlackConsent1796600000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE identity.consent_requests
        ADD COLUMN platform text NOT NULL DEFAULT 'teams' CHECK (platform IN ('teams', 'slack'))`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DELETE FROM identity.consent_requests WHERE platform = 'slack'`);
    await runner.query('ALTER TABLE identity.consent_requests DROP COLUMN platform');
  }
}

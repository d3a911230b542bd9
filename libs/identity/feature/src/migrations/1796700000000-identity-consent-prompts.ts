import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The one prompt Parley posts a person asking for their consent (relay.md: "Parley prompts them on Teams with their
 * link"). One row per person and platform makes the prompt happen once; the link it carries holds a long-lived
 * token (kept hashed) that the gateway trades for a fresh single-use consent state when the person clicks, so a
 * prompt read days later still works while consent states stay short-lived.
 */
export class IdentityConsentPrompts1796700000000 implements MigrationInterface {
  name = 'IdentityConsentPrompts1796700000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE identity.consent_prompts (
        org_id text NOT NULL,
        person_id uuid NOT NULL REFERENCES identity.people (id) ON DELETE CASCADE,
        platform text NOT NULL CHECK (platform IN ('slack')),
        token_hash text NOT NULL UNIQUE,
        prompted_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (org_id, person_id, platform)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE identity.consent_prompts');
  }
}

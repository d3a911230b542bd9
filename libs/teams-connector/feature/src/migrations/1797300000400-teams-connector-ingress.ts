import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Teams ingress: the change-notification subscriptions teams-connector made (current and recently retired, whose
 * notifications may still be in flight), which replica manages a connection's subscription (a lease), and how far
 * catch-up has listed each connection's chats (the watermark). clientState is kept only as a SHA-256 digest: enough
 * to check what Graph presents, useless to someone holding a copy of the database.
 */
export class TeamsConnectorIngress1797300000400 implements MigrationInterface {
  name = 'TeamsConnectorIngress1797300000400';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE teams_connector.subscriptions (
        subscription_id text PRIMARY KEY,
        org_id text NOT NULL,
        connection_id uuid NOT NULL,
        tenant_id text NOT NULL,
        client_id text NOT NULL,
        authority_url text NOT NULL,
        resource text NOT NULL,
        client_state_sha256 bytea NOT NULL,
        certificate_id text NOT NULL,
        expires_at timestamptz NOT NULL,
        current boolean NOT NULL DEFAULT true,
        pending_event text,
        created_at timestamptz NOT NULL DEFAULT now(),
        renewed_at timestamptz
      )`);
    await runner.query('CREATE UNIQUE INDEX subscriptions_current_per_connection ON teams_connector.subscriptions (connection_id) WHERE current');
    await runner.query(`
      CREATE TABLE teams_connector.subscription_leases (
        connection_id uuid PRIMARY KEY,
        holder text NOT NULL,
        held_until timestamptz NOT NULL
      )`);
    await runner.query(`
      CREATE TABLE teams_connector.catch_up_watermarks (
        connection_id uuid PRIMARY KEY,
        org_id text NOT NULL,
        watermark timestamptz NOT NULL,
        last_run_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE teams_connector.catch_up_watermarks');
    await runner.query('DROP TABLE teams_connector.subscription_leases');
    await runner.query('DROP TABLE teams_connector.subscriptions');
  }
}

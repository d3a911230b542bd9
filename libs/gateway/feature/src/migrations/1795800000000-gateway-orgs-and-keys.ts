import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Organizations, their admin API keys (hashed) and the dead letters the gateway shows to the operator. */
export class GatewayOrgsAndKeys1795800000000 implements MigrationInterface {
  name = 'GatewayOrgsAndKeys1795800000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE gateway.orgs (
        id text PRIMARY KEY CHECK (id ~ '^org_[A-Za-z0-9]{8,40}$'),
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Only a SHA-256 of each key is kept; lookup_prefix (the first characters of the key) finds the row.
    await runner.query(`
      CREATE TABLE gateway.api_keys (
        id text PRIMARY KEY,
        org_id text NOT NULL REFERENCES gateway.orgs(id) ON DELETE CASCADE,
        lookup_prefix text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        role text NOT NULL CHECK (role IN ('admin')),
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await runner.query('CREATE INDEX api_keys_lookup_prefix ON gateway.api_keys (lookup_prefix)');
    await runner.query('CREATE INDEX api_keys_org ON gateway.api_keys (org_id)');
    await runner.query(`
      CREATE TABLE gateway.dead_letters (
        id bigserial PRIMARY KEY,
        event_id text NOT NULL UNIQUE,
        original_topic text NOT NULL,
        partition integer,
        "offset" text,
        message_key text,
        value text,
        value_encoding text NOT NULL,
        headers jsonb NOT NULL,
        consumer_group text NOT NULL,
        reason text NOT NULL,
        failure text NOT NULL,
        attempts integer NOT NULL,
        dead_lettered_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE gateway.dead_letters');
    await runner.query('DROP TABLE gateway.api_keys');
    await runner.query('DROP TABLE gateway.orgs');
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reactions that reached the relay before their message (ADR 0060): kept until the message is recorded (or Parley's
 * post of it is linked), then carried as if they had just come; what no message claims is deleted after a while.
 */
export class RelayEarlyReactions1798700000000 implements MigrationInterface {
  name = 'RelayEarlyReactions1798700000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE relay.early_reactions (
        seq bigserial PRIMARY KEY,
        org_id text NOT NULL,
        platform text NOT NULL CHECK (platform IN ('slack', 'teams')),
        conversation_id text NOT NULL,
        message_id text NOT NULL,
        event jsonb NOT NULL,
        reactor jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX early_reactions_message ON relay.early_reactions (org_id, platform, conversation_id, message_id)`);
    await runner.query(`CREATE INDEX early_reactions_received ON relay.early_reactions (received_at)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE relay.early_reactions`);
  }
}

import type { QueryRunner } from 'typeorm';

/**
 * The tables every service schema has for reliable messaging: its outbox, and the record of messages its consumers
 * have applied. A service's first migration calls this; later changes to these tables get their own migrations.
 */
export async function createMessagingTables(runner: QueryRunner, schema: string): Promise<void> {
  await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await runner.query(`
    CREATE TABLE "${schema}".outbox (
      id bigserial PRIMARY KEY,
      topic text NOT NULL,
      message_key text NOT NULL,
      value text NOT NULL,
      headers jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
  await runner.query(`
    CREATE TABLE "${schema}".processed_messages (
      consumer text NOT NULL,
      message_id text NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, message_id)
    )`);
}

export async function dropMessagingTables(runner: QueryRunner, schema: string): Promise<void> {
  await runner.query(`DROP TABLE IF EXISTS "${schema}".processed_messages`);
  await runner.query(`DROP TABLE IF EXISTS "${schema}".outbox`);
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When the event happened by Slack's clock (its event_ts), for the order window: an event is handled once it is that old
 * or has waited that long, so that one written just before it and arriving just after is handled first (ADR 0042).
 * Each stored Events API delivery also names its lane (`{teamId}:{channel}`; a reaction event names its conversation under
 * `item`), so that a conversation is claimed whole and handled by one replica at a time while the others go on
 * (ADR 0042). Generated from the envelope, so every row has it however it was written, those already waiting included.
 */
export class SlackConnectorInboundLanes1798400000300 implements MigrationInterface {
  name = 'SlackConnectorInboundLanes1798400000300';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE slack_connector.inbound_events ADD COLUMN lane text NOT NULL
        GENERATED ALWAYS AS (team_id || ':' || COALESCE(body->'event'->>'channel', body->'event'->'item'->>'channel', '')) STORED`);
    await runner.query('ALTER TABLE slack_connector.inbound_events ADD COLUMN occurred_at timestamptz');
    await runner.query('CREATE INDEX inbound_events_lane ON slack_connector.inbound_events (lane) WHERE processed_at IS NULL');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX slack_connector.inbound_events_lane');
    await runner.query('ALTER TABLE slack_connector.inbound_events DROP COLUMN occurred_at');
    await runner.query('ALTER TABLE slack_connector.inbound_events DROP COLUMN lane');
  }
}

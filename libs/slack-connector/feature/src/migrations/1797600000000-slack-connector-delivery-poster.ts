import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who each delivery posts as (the Slack user of the person's voice; null for the app's fallback posts and rows from
 * before). Ingress waits for Parley's posts in a conversation only when the event's sender is the one Parley is
 * posting as there, so a person answering in a DM is not held up by Parley posting the other side's messages.
 */
export class SlackConnectorDeliveryPoster1797600000000 implements MigrationInterface {
  name = 'SlackConnectorDeliveryPoster1797600000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE slack_connector.deliveries ADD COLUMN poster text');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE slack_connector.deliveries DROP COLUMN poster');
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deliveries with files (ADR 0039, 0040), ids only:
 * - uploads: per conversation, the Slack file ids an attempt uploaded, recorded before it shares them. A share has no
 *   metadata to carry the delivery id, so a retry recognises its own upload by these ids (files.info `shares`) and
 *   does not share the files twice.
 * - files_not_carried: the refs of the request's files that did not make it and why, so a finished delivery asked
 *   again answers the same outcome.
 */
export class SlackConnectorDeliveryFiles1798200000300 implements MigrationInterface {
  name = 'SlackConnectorDeliveryFiles1798200000300';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE slack_connector.deliveries ADD COLUMN uploads jsonb, ADD COLUMN files_not_carried jsonb');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE slack_connector.deliveries DROP COLUMN uploads, DROP COLUMN files_not_carried');
  }
}

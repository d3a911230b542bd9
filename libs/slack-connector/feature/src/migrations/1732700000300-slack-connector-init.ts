import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createMessagingTables, dropMessagingTables } from '@parley/persistence';

export class SlackConnectorInit1732700000300 implements MigrationInterface {
  name = 'SlackConnectorInit1732700000300';

  async up(runner: QueryRunner): Promise<void> {
    await createMessagingTables(runner, 'slack_connector');
  }

  async down(runner: QueryRunner): Promise<void> {
    await dropMessagingTables(runner, 'slack_connector');
  }
}

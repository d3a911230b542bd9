import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createMessagingTables, dropMessagingTables } from '@parley/persistence';

export class TeamsConnectorInit1732700000400 implements MigrationInterface {
  name = 'TeamsConnectorInit1732700000400';

  async up(runner: QueryRunner): Promise<void> {
    await createMessagingTables(runner, 'teams_connector');
  }

  async down(runner: QueryRunner): Promise<void> {
    await dropMessagingTables(runner, 'teams_connector');
  }
}

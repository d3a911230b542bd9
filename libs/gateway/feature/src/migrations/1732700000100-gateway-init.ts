import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createMessagingTables, dropMessagingTables } from '@parley/persistence';

export class GatewayInit1732700000100 implements MigrationInterface {
  name = 'GatewayInit1732700000100';

  async up(runner: QueryRunner): Promise<void> {
    await createMessagingTables(runner, 'gateway');
  }

  async down(runner: QueryRunner): Promise<void> {
    await dropMessagingTables(runner, 'gateway');
  }
}

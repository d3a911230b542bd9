import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createMessagingTables, dropMessagingTables } from '@parley/persistence';

export class RelayInit1732700000500 implements MigrationInterface {
  name = 'RelayInit1732700000500';

  async up(runner: QueryRunner): Promise<void> {
    await createMessagingTables(runner, 'relay');
  }

  async down(runner: QueryRunner): Promise<void> {
    await dropMessagingTables(runner, 'relay');
  }
}

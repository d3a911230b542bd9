import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createMessagingTables, dropMessagingTables } from '@parley/persistence';

export class ProvisioningInit1732700000200 implements MigrationInterface {
  name = 'ProvisioningInit1732700000200';

  async up(runner: QueryRunner): Promise<void> {
    await createMessagingTables(runner, 'provisioning');
  }

  async down(runner: QueryRunner): Promise<void> {
    await dropMessagingTables(runner, 'provisioning');
  }
}

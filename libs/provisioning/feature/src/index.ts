import type { ServiceDefinition } from '@parley/service-runtime';
import { ProvisioningModule } from './provisioning.module';
import { ProvisioningInit1732700000200 } from './migrations/1732700000200-provisioning-init';

export { ProvisioningModule };

export const provisioningService: ServiceDefinition = {
  name: 'provisioning',
  module: ProvisioningModule,
  migrations: [ProvisioningInit1732700000200],
};

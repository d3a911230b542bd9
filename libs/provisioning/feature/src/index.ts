import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@parley/service-runtime';
import { recoveryConfigSection } from './config/recovery-config';
import { ProvisioningFeatureModule, ProvisioningModule, type ProvisioningOptions } from './provisioning.module';
import { ProvisioningInit1732700000200 } from './migrations/1732700000200-provisioning-init';
import { ProvisioningUserSyncs1795900000000 } from './migrations/1795900000000-provisioning-user-syncs';

export { ProvisioningFeatureModule, ProvisioningModule, type ProvisioningOptions };
export { recoveryConfigSection } from './config/recovery-config';
export { planPerson, type PersonPlan, type PlanContext, type PlannedCommand, type TaskAction } from './plan/plan-person';

const migrations = [ProvisioningInit1732700000200, ProvisioningUserSyncs1795900000000];
/** Read from the environment in both modes: PARLEY_SYNC_RECOVERY_INTERVAL_MS, PARLEY_SYNC_STALE_AFTER_MS, PARLEY_SYNC_RESEND_AFTER_MS. */
const configSections = { recovery: recoveryConfigSection };

/** Provisioning as `apps/provisioning` and the embedded launcher run it. */
export const provisioningService: ServiceDefinition = {
  name: 'provisioning',
  module: ProvisioningModule,
  migrations,
  configSections,
};

/** Provisioning with options given in code (tests shorten the recovery sweep's timings). */
export function createProvisioningService(options: ProvisioningOptions): ServiceDefinition {
  @Module({ imports: [ProvisioningFeatureModule.register(options)] })
  class ConfiguredProvisioningModule {}
  return { name: 'provisioning', module: ConfiguredProvisioningModule, migrations, configSections };
}

import { Module, type DynamicModule } from '@nestjs/common';
import { defaultRecoveryOptions, RECOVERY_OPTIONS, SyncRecovery, type RecoveryOptions } from './driver/sync-recovery';
import { SyncEventsHandler } from './driver/sync-events.handler';
import { SyncPlanner } from './driver/sync-planner';
import { SyncStarter } from './driver/sync-starter';
import { TaskResults } from './driver/task-results';
import { provisioningProblemFilter } from './http/problems';
import { IdentityDirectory } from './identity/identity-directory';
import { SyncStore } from './syncs/sync-store';
import { UserSyncsController } from './syncs/user-syncs.controller';

export interface ProvisioningOptions {
  /** When stalled jobs are looked for and picked up again (defaults: every 30 s, untouched for 60 s). */
  readonly recovery?: Partial<RecoveryOptions>;
}

/**
 * Provisioning: user-sync jobs. The internal API records and shows them; the driver takes each job through
 * importing, planning and provisioning by events and commands. Health, readiness, metrics and the bus come from the
 * runtime.
 */
@Module({})
export class ProvisioningFeatureModule {
  static register(options: ProvisioningOptions = {}): DynamicModule {
    return {
      module: ProvisioningFeatureModule,
      controllers: [UserSyncsController, SyncEventsHandler],
      providers: [
        SyncStore,
        IdentityDirectory,
        SyncStarter,
        SyncPlanner,
        TaskResults,
        SyncRecovery,
        { provide: RECOVERY_OPTIONS, useValue: { ...defaultRecoveryOptions, ...options.recovery } },
        // Registered after the runtime's RethrowRpcFilter, so Nest tries it first; it passes bus errors through too.
        provisioningProblemFilter,
      ],
    };
  }
}

@Module({ imports: [ProvisioningFeatureModule.register()] })
export class ProvisioningModule {}

import { Module, type DynamicModule } from '@nestjs/common';
import { SERVICE_CONFIG } from '@parley/service-runtime';
import type { ProvisioningServiceConfig } from './config/recovery-config';
import { DeadLetteredCommandsHandler } from './driver/dead-lettered-commands.handler';
import { defaultRecoveryOptions, RECOVERY_OPTIONS, SyncRecovery, type RecoveryOptions } from './driver/sync-recovery';
import { SyncEventsHandler } from './driver/sync-events.handler';
import { SyncPlanner } from './driver/sync-planner';
import { SyncStarter } from './driver/sync-starter';
import { TaskResults } from './driver/task-results';
import { IdentityDirectory } from './identity/identity-directory';
import { SyncMetrics } from './syncs/sync-metrics';
import { SyncStore } from './syncs/sync-store';
import { UserSyncsController } from './syncs/user-syncs.controller';

export interface ProvisioningOptions {
  /**
   * When stalled jobs are looked for and picked up again; overrides the configuration (PARLEY_SYNC_RECOVERY_INTERVAL_MS,
   * PARLEY_SYNC_STALE_AFTER_MS, PARLEY_SYNC_RESEND_AFTER_MS), which defaults to every 30 s, 60 s and 10 minutes.
   */
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
      controllers: [UserSyncsController, SyncEventsHandler, DeadLetteredCommandsHandler],
      providers: [
        SyncStore,
        SyncMetrics,
        IdentityDirectory,
        SyncStarter,
        SyncPlanner,
        TaskResults,
        SyncRecovery,
        {
          provide: RECOVERY_OPTIONS,
          inject: [SERVICE_CONFIG],
          useFactory: (config: ProvisioningServiceConfig): RecoveryOptions => ({ ...defaultRecoveryOptions, ...config.recovery, ...options.recovery }),
        },
      ],
    };
  }
}

@Module({ imports: [ProvisioningFeatureModule.register()] })
export class ProvisioningModule {}

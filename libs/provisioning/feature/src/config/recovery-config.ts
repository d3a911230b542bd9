import { defineConfigSection, env } from '@parley/config';
import type { RecoveryOptions } from '../driver/sync-recovery';

/**
 * The recovery sweep's timings (see SyncRecovery). The defaults are the values it always had: look every 30 s,
 * pick up a job untouched for 60 s, send a silent job's pending commands again after 10 minutes. Dead-lettered
 * commands do not wait for this: their tasks fail when the dead letter arrives.
 */
export const recoveryConfigSection = defineConfigSection(
  'recovery',
  {
    PARLEY_SYNC_RECOVERY_INTERVAL_MS: env.int(30_000, 100),
    PARLEY_SYNC_STALE_AFTER_MS: env.int(60_000, 100),
    PARLEY_SYNC_RESEND_AFTER_MS: env.int(10 * 60_000, 100),
  },
  (v): RecoveryOptions => ({
    intervalMs: v.PARLEY_SYNC_RECOVERY_INTERVAL_MS,
    staleAfterMs: v.PARLEY_SYNC_STALE_AFTER_MS,
    resendAfterMs: v.PARLEY_SYNC_RESEND_AFTER_MS,
  }),
);

/** What arrives under SERVICE_CONFIG, keyed as provisioningService.configSections declares. */
export interface ProvisioningServiceConfig {
  readonly recovery?: RecoveryOptions;
}

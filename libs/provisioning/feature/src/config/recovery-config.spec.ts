import { loadConfig } from '@parley/config';
import { defaultRecoveryOptions } from '../driver/sync-recovery';
import { recoveryConfigSection } from './recovery-config';

describe('the recovery sweep configuration', () => {
  it('defaults to the timings the sweep always had', () => {
    expect(loadConfig({ recovery: recoveryConfigSection }, {}).recovery).toEqual(defaultRecoveryOptions);
    expect(defaultRecoveryOptions).toEqual({ intervalMs: 30_000, staleAfterMs: 60_000, resendAfterMs: 600_000 });
  });

  it('reads each timing from the environment', () => {
    const env = { PARLEY_SYNC_RECOVERY_INTERVAL_MS: '1000', PARLEY_SYNC_STALE_AFTER_MS: '2000', PARLEY_SYNC_RESEND_AFTER_MS: '3000' };
    expect(loadConfig({ recovery: recoveryConfigSection }, env).recovery).toEqual({ intervalMs: 1000, staleAfterMs: 2000, resendAfterMs: 3000 });
  });
});

import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { loadOrCreateSecretFile } from '@parley/config';

export const VAULT_KEYS_FILE = 'vault-keys';

/**
 * The embedded vault key: `<dataDir>/vault-keys` holds `PARLEY_VAULT_KEYS` (`<keyId>:<base64 32 bytes>`), made on
 * first start with mode 0600 and reused, so tokens sealed in the embedded database open after a restart.
 * An operator who sets PARLEY_VAULT_KEYS themselves keeps full control (the file is then not read).
 */
export function loadOrCreateVaultKeys(dataDir: string): { keys: string; activeKey: string; file: string } {
  const file = path.join(dataDir, VAULT_KEYS_FILE);
  const keys = loadOrCreateSecretFile(file, () => `embedded-1:${randomBytes(32).toString('base64')}`);
  const activeKey = keys.split(',').pop()?.split(':')[0] ?? '';
  return { keys, activeKey, file };
}

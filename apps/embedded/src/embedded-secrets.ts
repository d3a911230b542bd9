import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const VAULT_KEYS_FILE = 'vault-keys';

/**
 * The embedded vault key: `<dataDir>/vault-keys` holds `PARLEY_VAULT_KEYS` (`<keyId>:<base64 32 bytes>`), made on
 * first start with mode 0600 and reused, so tokens sealed in the embedded database open after a restart.
 * An operator who sets PARLEY_VAULT_KEYS themselves keeps full control (the file is then not read).
 */
export function loadOrCreateVaultKeys(dataDir: string): { keys: string; activeKey: string; file: string } {
  const file = path.join(dataDir, VAULT_KEYS_FILE);
  let value: string | undefined;
  try {
    value = readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (value === undefined) {
    mkdirSync(dataDir, { recursive: true });
    value = `embedded-1:${randomBytes(32).toString('base64')}`;
    try {
      writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      value = readFileSync(file, 'utf8').trim();
    }
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const activeKey = value.split(',').pop()?.split(':')[0] ?? '';
  return { keys: value, activeKey, file };
}

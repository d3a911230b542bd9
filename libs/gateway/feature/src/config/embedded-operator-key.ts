import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Secret } from '@parley/config';

export const OPERATOR_KEY_FILE = 'operator-api-key';

/**
 * The embedded mode's operator key: `<dataDir>/operator-api-key`, created on first start with 32 random bytes
 * (base64url) and mode 0600, then reused, so `npm run demo` and the admin can read it from the same place.
 * Returns the file path too, for the launcher to print (never the key itself).
 */
export function loadOrCreateOperatorKey(dataDir: string): { key: Secret; file: string } {
  const file = path.join(dataDir, OPERATOR_KEY_FILE);
  let value: string | undefined;
  try {
    value = readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (value === undefined) {
    mkdirSync(dataDir, { recursive: true });
    value = randomBytes(32).toString('base64url');
    // 'wx' fails if another process created it meanwhile: then that one's key is the key.
    try {
      writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      value = readFileSync(file, 'utf8').trim();
    }
  }
  if (value.length < 32) throw new Error(`${file}: the operator key must be at least 32 characters`);
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return { key: new Secret(value), file };
}

import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { loadOrCreateSecretFile, Secret } from '@parley/config';

export const OPERATOR_KEY_FILE = 'operator-api-key';

/**
 * The embedded mode's operator key: `<dataDir>/operator-api-key`, created on first start with 32 random bytes
 * (base64url) and mode 0600, then reused, so `npm run demo` and the admin can read it from the same place.
 * Returns the file path too, for the launcher to print (never the key itself).
 */
export function loadOrCreateOperatorKey(dataDir: string): { key: Secret; file: string } {
  const file = path.join(dataDir, OPERATOR_KEY_FILE);
  const value = loadOrCreateSecretFile(file, () => randomBytes(32).toString('base64url'));
  if (value.length < 32) throw new Error(`${file}: the operator key must be at least 32 characters`);
  return { key: new Secret(value), file };
}

import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A secret kept in a local file for the embedded mode (the operator key, the vault key): read it if it is there,
 * otherwise make it with `generate` and write it owner-only (0600). Two processes racing to create it agree: 'wx'
 * fails for the second, which then reads the first one's value. A file readable by others is tightened to 0600.
 */
export function loadOrCreateSecretFile(file: string, generate: () => string): string {
  let value: string | undefined;
  try {
    value = readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (value === undefined) {
    mkdirSync(path.dirname(file), { recursive: true });
    value = generate();
    try {
      writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      value = readFileSync(file, 'utf8').trim();
    }
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return value;
}

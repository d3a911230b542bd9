import { ConfigError, loadConfig, Secret } from '@parley/config';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { VaultKeyring } from './vault-keyring';
import { vaultConfigSection } from './vault-config';

const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');

function load(env: Record<string, string | undefined>) {
  return loadConfig({ vault: vaultConfigSection }, env).vault;
}

function problemsOf(env: Record<string, string | undefined>): string {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('vaultConfigSection', () => {
  it('parses the keys as Secrets and the active key id', () => {
    const config = load({ PARLEY_VAULT_KEYS: ` k-2025:${k1} ,k-2026:${k2}`, PARLEY_VAULT_ACTIVE_KEY: 'k-2026' });
    expect(config.activeKeyId).toBe('k-2026');
    expect([...config.keys.keys()]).toEqual(['k-2025', 'k-2026']);
    expect(config.keys.get('k-2025')).toBeInstanceOf(Secret);
    expect(config.keys.get('k-2025')?.reveal()).toBe(k1);
    const printed = `${inspect(config)} ${JSON.stringify(config)}`;
    expect(printed).not.toContain(k1);
    expect(printed).not.toContain(k2);
    expect(new VaultKeyring(config).keyIds).toEqual(['k-2025', 'k-2026']);
  });

  it('names both variables when they are missing', () => {
    const message = problemsOf({});
    expect(message).toContain('PARLEY_VAULT_KEYS: required but not set');
    expect(message).toContain('PARLEY_VAULT_ACTIVE_KEY: required but not set');
  });

  const shortKey = randomBytes(31).toString('base64');
  const longKey = randomBytes(33).toString('base64');
  const mangled = `${k1.slice(0, 20)}!${k1.slice(21)}`;
  it.each([
    ['a key of 31 bytes', `k1:${shortKey}`, shortKey, /key "k1" must be 32 bytes in base64/],
    ['a key of 33 bytes', `k1:${longKey}`, longKey, /key "k1" must be 32 bytes in base64/],
    ['a key with a stray character', `k1:${mangled}`, mangled, /key "k1" must be 32 bytes in base64/],
    ['id and key swapped', `${k1}:k1`, k1, /entry 1 of 1: the key id must be/],
    ['no separator', `k1${k1}`, k1, /entry 1 of 1 is not keyId:base64key/],
    ['an upper-case id', `K1:${k1}`, k1, /entry 1 of 1: the key id must be/],
    ['a duplicate id', `k1:${k1},k1:${k2}`, k2, /key id "k1" appears more than once/],
    ['an empty entry', `k1:${k1},,k2:${k2}`, k2, /entry 2 of 3 is not keyId:base64key/],
  ])('PARLEY_VAULT_KEYS with %s names the variable and not the key', (_case, keys, material, expected) => {
    const message = problemsOf({ PARLEY_VAULT_KEYS: keys, PARLEY_VAULT_ACTIVE_KEY: 'k1' });
    expect(message).toMatch(/PARLEY_VAULT_KEYS: malformed/);
    expect(message).toMatch(expected);
    expect(message).not.toContain(material);
    expect(message).not.toContain(k1);
  });

  it('refuses an active key that is not in the list, naming the variable', () => {
    const message = problemsOf({ PARLEY_VAULT_KEYS: `k1:${k1}`, PARLEY_VAULT_ACTIVE_KEY: 'k2' });
    expect(message).toContain('PARLEY_VAULT_ACTIVE_KEY: malformed (names no key in PARLEY_VAULT_KEYS)');
    expect(message).not.toContain(k1);
  });

  it('refuses an active key id that is not an id, without repeating it', () => {
    const message = problemsOf({ PARLEY_VAULT_KEYS: `k1:${k1}`, PARLEY_VAULT_ACTIVE_KEY: k2 });
    expect(message).toMatch(/PARLEY_VAULT_ACTIVE_KEY: malformed/);
    expect(message).not.toContain(k2);
  });
});

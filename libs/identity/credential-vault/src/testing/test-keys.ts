import { randomBytes } from 'node:crypto';
import { Secret } from '@parley/config';
import { VaultKeyring } from '../keys/vault-keyring';

/** A fresh random base64 key, as `openssl rand -base64 32` would print. */
export function randomKeyMaterial(): string {
  return randomBytes(32).toString('base64');
}

/** A keyring of the given id -> base64 key pairs with `active` as the active key. */
export function keyringOf(keys: Record<string, string>, active: string): VaultKeyring {
  return new VaultKeyring({ keys: new Map(Object.entries(keys).map(([id, material]) => [id, new Secret(material)])), activeKeyId: active });
}

import { createSecretKey, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import type { Secret } from '@parley/config';
import { VaultError } from '../vault-error';
import { decodeKeyMaterial, KEY_BYTES, KEY_ID_PATTERN, KEY_ID_RULE } from './vault-key';

export interface VaultKeys {
  /** Every key that may still open stored secrets, by id; values are base64 key material. */
  readonly keys: ReadonlyMap<string, Secret>;
  /** The key new secrets are sealed with; one of `keys`. */
  readonly activeKeyId: string;
}

/**
 * The vault's keys. Rotation is: add a new key, make it active, re-seal (rotateAll), then drop the old key. Key
 * material lives only in private fields, so inspecting, logging or serialising a keyring shows ids and nothing else.
 */
export class VaultKeyring {
  readonly activeKeyId: string;
  readonly #keys = new Map<string, KeyObject>();

  constructor({ keys, activeKeyId }: VaultKeys) {
    for (const [keyId, secret] of keys) {
      if (!KEY_ID_PATTERN.test(keyId)) throw new VaultError('invalid-keyring', `a vault key id must be ${KEY_ID_RULE}`);
      const bytes = decodeKeyMaterial(secret.reveal());
      if (!bytes) throw new VaultError('invalid-keyring', `vault key "${keyId}" must be ${KEY_BYTES} bytes in base64`);
      this.#keys.set(keyId, createSecretKey(bytes));
      // createSecretKey copied the bytes; do not leave a second copy for the garbage collector to find later.
      bytes.fill(0);
    }
    if (!this.#keys.has(activeKeyId)) {
      throw new VaultError('invalid-keyring', `the active vault key "${KEY_ID_PATTERN.test(activeKeyId) ? activeKeyId : '?'}" is not in the keyring`);
    }
    this.activeKeyId = activeKeyId;
  }

  get keyIds(): readonly string[] {
    return [...this.#keys.keys()];
  }

  has(keyId: string): boolean {
    return this.#keys.has(keyId);
  }

  /** For SecretBox only: the key object never leaves the vault library. */
  keyFor(keyId: string): KeyObject {
    const key = this.#keys.get(keyId);
    if (!key) {
      throw new VaultError('unknown-key', `secret was sealed with vault key "${keyId}", which is not in PARLEY_VAULT_KEYS`);
    }
    return key;
  }

  toJSON(): { activeKeyId: string; keyIds: readonly string[] } {
    return { activeKeyId: this.activeKeyId, keyIds: this.keyIds };
  }

  [inspect.custom](): string {
    return `VaultKeyring { active: ${this.activeKeyId}, keys: [${this.keyIds.join(', ')}] }`;
  }
}

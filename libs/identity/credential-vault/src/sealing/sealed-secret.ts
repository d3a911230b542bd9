import { inspect } from 'node:util';
import { VaultError } from '../vault-error';
import { KEY_ID_PATTERN } from '../keys/vault-key';

export const SEALED_VERSION = 'v1';
export const IV_BYTES = 12;
export const TAG_BYTES = 16;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * An AES-256-GCM ciphertext as stored:
 *
 *   v1.<keyId>.<iv>.<ciphertext>.<tag>
 *
 * - `v1`: the format; a new layout gets a new version and both are read side by side.
 * - `keyId`: which key of the keyring sealed it ([a-z0-9-]{1,32}, never contains a dot).
 * - `iv`: 12 random bytes, fresh for every seal; `ciphertext`: same length as the UTF-8 plaintext; `tag`: 16 bytes.
 *   All three are unpadded base64url.
 *
 * The version, key id, org id and purpose are the additional authenticated data, so changing any of them (or any
 * byte) makes opening fail. Printing a SealedSecret shows only its key id; `serialize()` is for the database.
 */
export class SealedSecret {
  readonly keyId: string;
  readonly #iv: Buffer;
  readonly #ciphertext: Buffer;
  readonly #tag: Buffer;

  constructor(keyId: string, iv: Buffer, ciphertext: Buffer, tag: Buffer) {
    if (!KEY_ID_PATTERN.test(keyId) || iv.length !== IV_BYTES || tag.length !== TAG_BYTES || ciphertext.length === 0) {
      throw malformed();
    }
    this.keyId = keyId;
    this.#iv = iv;
    this.#ciphertext = ciphertext;
    this.#tag = tag;
  }

  /** Reads the stored form; a string that is not one is refused without being repeated (it may be a raw token). */
  static parse(text: string): SealedSecret {
    const parts = text.split('.');
    if (parts.length !== 5) throw malformed();
    const [version, keyId, iv, ciphertext, tag] = parts as [string, string, string, string, string];
    if (version !== SEALED_VERSION) {
      throw new VaultError('unsupported-version', `sealed secret has an unsupported format version (this build reads ${SEALED_VERSION})`);
    }
    return new SealedSecret(keyId, decode(iv), decode(ciphertext), decode(tag));
  }

  get iv(): Buffer {
    return this.#iv;
  }

  get ciphertext(): Buffer {
    return this.#ciphertext;
  }

  get tag(): Buffer {
    return this.#tag;
  }

  serialize(): string {
    return [SEALED_VERSION, this.keyId, encode(this.#iv), encode(this.#ciphertext), encode(this.#tag)].join('.');
  }

  toString(): string {
    return `[sealed secret ${SEALED_VERSION}/${this.keyId}]`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function encode(bytes: Buffer): string {
  return bytes.toString('base64url');
}

/** Strict: Buffer.from() ignores stray characters and trailing bits, which would let altered text decode the same. */
function decode(part: string): Buffer {
  if (!BASE64URL.test(part)) throw malformed();
  const bytes = Buffer.from(part, 'base64url');
  if (encode(bytes) !== part) throw malformed();
  return bytes;
}

function malformed(): VaultError {
  return new VaultError('malformed', `sealed secret is malformed (expected ${SEALED_VERSION}.<keyId>.<iv>.<ciphertext>.<tag>)`);
}

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Secret } from '@parley/config';
import { VaultError } from '../vault-error';
import type { VaultKeyring } from '../keys/vault-keyring';
import { IV_BYTES, SEALED_VERSION, SealedSecret, TAG_BYTES } from './sealed-secret';

/**
 * Where a secret belongs. Both are bound into the ciphertext, so a value copied to another org's row or used for
 * another purpose does not open. Purposes name the secret and, when there is one per person, the person:
 * `slack.bot-token`, `teams.refresh-token:<personId>`.
 */
export interface SealingContext {
  readonly orgId: string;
  readonly purpose: string;
}

const ALGORITHM = 'aes-256-gcm';

/** Seals and opens secrets with the keyring's keys (AES-256-GCM, 12-byte random IV, 16-byte tag). */
export class SecretBox {
  readonly #keyring: VaultKeyring;

  constructor(keyring: VaultKeyring) {
    this.#keyring = keyring;
  }

  get activeKeyId(): string {
    return this.#keyring.activeKeyId;
  }

  seal(plaintext: string | Secret, context: SealingContext): SealedSecret {
    const text = plaintext instanceof Secret ? plaintext.reveal() : plaintext;
    if (typeof text !== 'string' || text.length === 0) {
      // An empty token is a bug upstream; sealing it would hide the bug until the token is used.
      throw new VaultError('empty-secret', `refusing to seal an empty secret for ${describe(context)}`);
    }
    const keyId = this.#keyring.activeKeyId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#keyring.keyFor(keyId), iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(keyId, context));
    const ciphertext = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return new SealedSecret(keyId, iv, ciphertext, cipher.getAuthTag());
  }

  open(sealed: SealedSecret | string, context: SealingContext): string {
    const parsed = typeof sealed === 'string' ? SealedSecret.parse(sealed) : sealed;
    const aad = additionalData(parsed.keyId, context);
    const decipher = createDecipheriv(ALGORITHM, this.#keyring.keyFor(parsed.keyId), parsed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(parsed.tag);
    const plaintext = decipher.update(parsed.ciphertext);
    try {
      // final() is where GCM checks the tag; the bytes from update() are worthless (and are wiped) until it passes.
      return Buffer.concat([plaintext, decipher.final()]).toString('utf8');
    } catch {
      plaintext.fill(0);
      throw new VaultError(
        'authentication-failed',
        `sealed secret for ${describe(context)} failed authentication: altered, or sealed for another org or purpose`,
      );
    }
  }

  /** True when the secret was sealed with a key other than the active one and should be re-sealed. */
  needsRotation(sealed: SealedSecret | string): boolean {
    const parsed = typeof sealed === 'string' ? SealedSecret.parse(sealed) : sealed;
    return parsed.keyId !== this.#keyring.activeKeyId;
  }

  /** Opens with whichever key sealed it and seals again under the active key, with a fresh IV. */
  reseal(sealed: SealedSecret | string, context: SealingContext): SealedSecret {
    return this.seal(this.open(sealed, context), context);
  }
}

/** JSON of an array: unambiguous whatever characters the ids and purpose contain. */
function additionalData(keyId: string, context: SealingContext): Buffer {
  if (!context || !nonEmpty(context.orgId) || !nonEmpty(context.purpose)) {
    throw new VaultError('invalid-context', 'a sealing context needs a non-empty orgId and purpose');
  }
  return Buffer.from(JSON.stringify(['parley.vault', SEALED_VERSION, keyId, context.orgId, context.purpose]), 'utf8');
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function describe(context: SealingContext): string {
  return `org ${context?.orgId}, purpose ${context?.purpose}`;
}

import { X509Certificate, constants, createDecipheriv, createHmac, createPrivateKey, privateDecrypt, timingSafeEqual, type KeyObject } from 'node:crypto';
import { Secret } from '@parley/config';

/** One of Parley's notification certificates: the public half goes to Graph, the private key decrypts. */
export interface NotificationKey {
  readonly id: string;
  /** base64 DER, as a subscription's `encryptionCertificate` takes it. */
  readonly certificate: string;
  readonly privateKey: Secret;
}

/** Graph's `encryptedContent` on a notification item. */
export interface EncryptedContent {
  readonly data: string;
  readonly dataSignature: string;
  readonly dataKey: string;
  readonly encryptionCertificateId: string;
  readonly encryptionCertificateThumbprint?: string;
}

export type DecryptionFailure = 'unknown-certificate' | 'key-unwrap-failed' | 'signature-mismatch' | 'decrypt-failed' | 'not-json';

export class DecryptionError extends Error {
  constructor(readonly reason: DecryptionFailure) {
    super(`encrypted resource data refused: ${reason}`);
    this.name = 'DecryptionError';
  }
}

export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Parley's notification certificates: the active one (new subscriptions carry its id) and previous ones, kept until
 * every subscription made with them has expired, so a rotation loses no notification in flight. A notification
 * names its certificate by `encryptionCertificateId`; the key found by that id unwraps the data key (RSA-OAEP,
 * SHA-1), the HMAC-SHA256 over the data as received must match, then AES-CBC (PKCS7, IV = the key's first 16 bytes).
 */
export class NotificationKeyring {
  private readonly keys = new Map<string, { certificate: string; privateKey: KeyObject; thumbprint: string }>();
  /**
   * Data keys already unwrapped, by certificate and wrapped key. RSA-OAEP is what a notification's decryption costs
   * (about 2 ms of CPU; AES and HMAC are microseconds), and a notification Graph sends again (its first attempt was not
   * answered within 3 s, which happens exactly when teams-connector is busiest) carries the same wrapped key: unwrapping
   * it again only adds to the load that made it late. The same input gives the same key, so this changes no outcome;
   * the HMAC over the data is still checked every time. Bounded, oldest out first.
   */
  private readonly unwrapped = new Map<string, Buffer>();
  /** RSA unwraps done, and data keys found already unwrapped. */
  readonly unwraps = { done: 0, reused: 0 };

  constructor(
    keys: readonly NotificationKey[],
    /** null when no key is configured: nothing can be decrypted and no subscription is made. */
    readonly activeId: string | null,
  ) {
    for (const key of keys) {
      const certificate = new X509Certificate(Buffer.from(key.certificate, 'base64'));
      const privateKey = createPrivateKey(key.privateKey.reveal());
      if (!certificate.checkPrivateKey(privateKey)) throw new Error(`notification key ${key.id}: the private key does not match its certificate`);
      this.keys.set(key.id, { certificate: key.certificate, privateKey, thumbprint: certificate.fingerprint.replace(/:/g, '').toUpperCase() });
    }
    if (activeId !== null && !this.keys.has(activeId)) throw new Error(`notification key ${activeId} is active but not configured`);
  }

  /** What a new subscription is given: the active certificate and its id. */
  get active(): { id: string; certificate: string } | null {
    const key = this.activeId === null ? undefined : this.keys.get(this.activeId);
    return key && this.activeId !== null ? { id: this.activeId, certificate: key.certificate } : null;
  }

  has(id: string): boolean {
    return this.keys.has(id);
  }

  decrypt(content: EncryptedContent): unknown {
    const key = this.keys.get(content.encryptionCertificateId);
    if (!key) throw new DecryptionError('unknown-certificate');
    if (content.encryptionCertificateThumbprint && content.encryptionCertificateThumbprint.toUpperCase() !== key.thumbprint) throw new DecryptionError('unknown-certificate');
    const symmetric = this.unwrap(content.encryptionCertificateId, key.privateKey, content.dataKey);
    const data = Buffer.from(content.data, 'base64');
    const expected = createHmac('sha256', symmetric).update(data).digest();
    const given = Buffer.from(content.dataSignature, 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new DecryptionError('signature-mismatch');
    let text: string;
    try {
      const decipher = createDecipheriv('aes-256-cbc', symmetric, symmetric.subarray(0, 16));
      text = Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
    } catch {
      throw new DecryptionError('decrypt-failed');
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new DecryptionError('not-json');
    }
  }

  private unwrap(certificateId: string, privateKey: KeyObject, dataKey: string): Buffer {
    const cacheKey = `${certificateId}\u0000${dataKey}`;
    const known = this.unwrapped.get(cacheKey);
    if (known) {
      this.unwraps.reused++;
      return known;
    }
    this.unwraps.done++;
    let symmetric: Buffer;
    try {
      symmetric = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(dataKey, 'base64'));
    } catch {
      throw new DecryptionError('key-unwrap-failed');
    }
    if (symmetric.length !== 32) throw new DecryptionError('key-unwrap-failed');
    if (this.unwrapped.size >= UNWRAPPED_KEYS_KEPT) this.unwrapped.delete(this.unwrapped.keys().next().value as string);
    this.unwrapped.set(cacheKey, symmetric);
    return symmetric;
  }
}

/** About 2 MB at most: a few seconds of notifications at the rates the relay benchmark offers. */
export const UNWRAPPED_KEYS_KEPT = 4_096;

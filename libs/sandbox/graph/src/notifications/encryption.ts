import { X509Certificate, constants, createCipheriv, createHmac, publicEncrypt, randomBytes } from 'node:crypto';
import { badRequest } from '../http/graph-error';

export interface EncryptedContent {
  readonly data: string;
  readonly dataSignature: string;
  readonly dataKey: string;
  readonly encryptionCertificateId: string;
  readonly encryptionCertificateThumbprint: string;
}

/** Parses a subscription's encryptionCertificate: base64 DER as Graph documents it (PEM accepted too). */
export function parseEncryptionCertificate(value: string): X509Certificate {
  try {
    const text = value.trim();
    const certificate = new X509Certificate(text.startsWith('-----BEGIN') ? text : Buffer.from(text, 'base64'));
    const bits = certificate.publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
    if (certificate.publicKey.asymmetricKeyType !== 'rsa' || bits < 2048 || bits > 4096) {
      throw new Error('key');
    }
    return certificate;
  } catch {
    throw badRequest('The encryptionCertificate is not a valid base64-encoded X.509 certificate with an RSA public key of 2048 to 4096 bits.');
  }
}

/**
 * Encrypts resource data the documented way: a fresh 32-byte key, AES-256-CBC with PKCS7 padding and IV = the key's
 * first 16 bytes; HMAC-SHA256 with the same key over the encrypted bytes; the key wrapped with RSA-OAEP (SHA-1 MGF1)
 * under the subscription's certificate.
 */
export function encryptResourceData(resource: unknown, certificate: X509Certificate, certificateId: string): EncryptedContent {
  const key = randomBytes(32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  const encrypted = Buffer.concat([cipher.update(JSON.stringify(resource), 'utf8'), cipher.final()]);
  return {
    data: encrypted.toString('base64'),
    dataSignature: createHmac('sha256', key).update(encrypted).digest('base64'),
    dataKey: publicEncrypt({ key: certificate.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, key).toString('base64'),
    encryptionCertificateId: certificateId,
    encryptionCertificateThumbprint: certificate.fingerprint.replace(/:/g, ''),
  };
}

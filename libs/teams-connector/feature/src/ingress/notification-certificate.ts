import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';
import { Secret } from '@parley/config';
import type { NotificationKey } from './notification-keys';

/**
 * A self-signed certificate for Parley's notification encryption (as `openssl req -x509` makes one): base64 DER
 * certificate and PKCS#8 private key (PEM). Graph checks nothing but the RSA key (2048-4096 bits), so self-signed is
 * what Microsoft's samples use. teams-connector makes one per connection and rotates it (ADR 0028).
 */
export function createNotificationCertificate(id: string, serial: Buffer = randomBytes(16)): NotificationKey {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKey);
  certificate.serialNumber = certificateSerial(serial);
  certificate.validity.notBefore = new Date(Date.now() - 60_000);
  certificate.validity.notAfter = new Date(Date.now() + 365 * 24 * 3600_000);
  const name = [{ name: 'commonName', value: `Parley notifications ${id}` }];
  certificate.setSubject(name);
  certificate.setIssuer(name);
  certificate.sign(forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(certificate)).getBytes(), 'binary').toString('base64');
  return { id, certificate: der, privateKey: new Secret(privateKey) };
}

/**
 * A certificate serial in hex from random bytes: a positive DER INTEGER in its minimal form (RFC 5280), whose first
 * byte is 0x40 to 0x7f. ('0' before random hex was not: a first random byte of 0x00 made a serial with two leading
 * zero bytes, which OpenSSL refuses to parse, about one certificate in 256.)
 */
export function certificateSerial(random: Buffer): string {
  if (random.length === 0) throw new Error('a certificate serial needs at least one random byte');
  const bytes = Buffer.from(random);
  bytes[0] = ((bytes[0] as number) & 0x3f) | 0x40;
  return bytes.toString('hex');
}

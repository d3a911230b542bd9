import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import forge from 'node-forge';
import { generateSandboxCertificates, serial } from './certificate-authority';

describe('the Graph sandbox certificate authority', () => {
  it('makes certificates OpenSSL parses whatever the random serial bytes (leading zero bytes included)', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    for (const first of [0x00, 0x01, 0x7f, 0x80, 0xff]) {
      const random = Buffer.alloc(16, 0);
      random[0] = first;
      const certificate = forge.pki.createCertificate();
      certificate.publicKey = forge.pki.publicKeyFromPem(publicKey);
      certificate.serialNumber = serial(random);
      certificate.validity.notBefore = new Date();
      certificate.validity.notAfter = new Date(Date.now() + 3600_000);
      certificate.setSubject([{ name: 'commonName', value: `serial-${first}` }]);
      certificate.setIssuer([{ name: 'commonName', value: `serial-${first}` }]);
      certificate.sign(forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
      const parsed = new X509Certificate(forge.pki.certificateToPem(certificate));
      expect(parsed.subject).toContain(`serial-${first}`);
    }
  });

  it('gives a positive serial in its minimal DER form, from any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 20 }), (random) => {
        const first = Buffer.from(serial(Buffer.from(random)), 'hex')[0] as number;
        expect(first).toBeGreaterThanOrEqual(0x40);
        expect(first).toBeLessThanOrEqual(0x7f);
      }),
    );
  });

  it('signs a server certificate for 127.0.0.1 with the CA it hands out', () => {
    const generated = generateSandboxCertificates();
    const ca = new X509Certificate(generated.caPem);
    const server = new X509Certificate(generated.serverCertPem);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });
});

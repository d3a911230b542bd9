import { X509Certificate, createPrivateKey } from 'node:crypto';
import fc from 'fast-check';
import { certificateSerial, createNotificationCertificate } from './notification-certificate';

describe('createNotificationCertificate', () => {
  it('makes a certificate OpenSSL parses, whatever the random serial bytes (a first byte of 0 included)', () => {
    for (const first of [0x00, 0x01, 0x7f, 0x80, 0xff]) {
      const serial = Buffer.alloc(16, 0);
      serial[0] = first;
      const key = createNotificationCertificate(`serial-${first}`, serial);
      const certificate = new X509Certificate(Buffer.from(key.certificate, 'base64'));
      expect(certificate.checkPrivateKey(createPrivateKey(key.privateKey.reveal()))).toBe(true);
      expect(certificate.subject).toContain(`serial-${first}`);
    }
  });

  it('gives a positive serial in its minimal DER form, from any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 20 }), (random) => {
        const hex = certificateSerial(Buffer.from(random));
        expect(hex).toMatch(/^([0-9a-f]{2})+$/);
        const first = Buffer.from(hex, 'hex')[0] as number;
        expect(first).toBeGreaterThanOrEqual(0x40);
        expect(first).toBeLessThanOrEqual(0x7f);
      }),
    );
  });
});

import { X509Certificate, constants, createCipheriv, createHmac, publicEncrypt, randomBytes } from 'node:crypto';
import { loadConfig } from '@parley/config';
import { teamsIngressConfigSection } from './ingress-config';
import { chatMessageOf } from './notification-intake';
import { createNotificationCertificate } from './notification-certificate';
import { DecryptionError, NotificationKeyring, parseNotificationKeys, type EncryptedContent } from './notification-keys';

const current = createNotificationCertificate('n2026-12');
const previous = createNotificationCertificate('n2026-11');

/** Graph's documented encryption, written out independently of the sandbox's. */
function encrypt(resource: unknown, certificateBase64: string, id: string): EncryptedContent {
  const certificate = new X509Certificate(Buffer.from(certificateBase64, 'base64'));
  const key = randomBytes(32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  const data = Buffer.concat([cipher.update(JSON.stringify(resource), 'utf8'), cipher.final()]);
  return {
    data: data.toString('base64'),
    dataSignature: createHmac('sha256', key).update(data).digest('base64'),
    dataKey: publicEncrypt({ key: certificate.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, key).toString('base64'),
    encryptionCertificateId: id,
    encryptionCertificateThumbprint: certificate.fingerprint.replace(/:/g, ''),
  };
}

const reason = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return error instanceof DecryptionError ? error.reason : String(error);
  }
  return 'no error';
};

describe('NotificationKeyring', () => {
  const keyring = new NotificationKeyring([current, previous], current.id);

  it('decrypts with the certificate the notification names, the previous one too', () => {
    expect(keyring.decrypt(encrypt({ id: '1', body: { content: 'hi' } }, current.certificate, current.id))).toEqual({ id: '1', body: { content: 'hi' } });
    expect(keyring.decrypt(encrypt({ id: '2' }, previous.certificate, previous.id))).toEqual({ id: '2' });
    expect(keyring.active).toEqual({ id: current.id, certificate: current.certificate });
  });

  it('refuses an unknown certificate, a wrong thumbprint, a forged key, a bad signature and bad data', () => {
    const good = encrypt({ id: '3' }, current.certificate, current.id);
    expect(reason(() => keyring.decrypt({ ...good, encryptionCertificateId: 'n2020-01' }))).toBe('unknown-certificate');
    expect(reason(() => keyring.decrypt({ ...good, encryptionCertificateThumbprint: 'AB'.repeat(20) }))).toBe('unknown-certificate');
    expect(reason(() => keyring.decrypt({ ...good, dataKey: randomBytes(256).toString('base64') }))).toBe('key-unwrap-failed');
    expect(reason(() => keyring.decrypt({ ...good, dataSignature: randomBytes(32).toString('base64') }))).toBe('signature-mismatch');
    // Encrypted for the previous certificate but claiming the current one: the key does not unwrap.
    const other = encrypt({ id: '4' }, previous.certificate, current.id);
    expect(reason(() => keyring.decrypt({ ...other, encryptionCertificateThumbprint: undefined }))).toBe('key-unwrap-failed');
  });

  it('makes no subscription without an active key', () => {
    expect(new NotificationKeyring([], null).active).toBeNull();
    expect(() => new NotificationKeyring([current], 'missing')).toThrow(/missing is active but not configured/);
  });
});

describe('PARLEY_TEAMS_NOTIFICATION_KEYS', () => {
  it('parses id:certificate:key entries and names a bad entry without its material', () => {
    const parsed = parseNotificationKeys(`${current.env},${previous.env}`);
    expect('keys' in parsed && parsed.keys.map((k) => k.id)).toEqual([current.id, previous.id]);
    const [id, certificate, key] = current.env.split(':') as [string, string, string];
    const problems = [
      parseNotificationKeys(''),
      parseNotificationKeys(`${id}:${certificate}`),
      parseNotificationKeys(`${current.env},${current.env}`),
      parseNotificationKeys(`${id}:${certificate}:${previous.env.split(':')[2]}`),
      parseNotificationKeys(`${id}:bm90IGEgY2VydA==:${key}`),
    ].map((p) => ('problem' in p ? p.problem : 'parsed'));
    expect(problems).toEqual([
      'no key given',
      'entry 1 is not <id>:<base64 certificate>:<base64 PKCS#8 key> (id: letters, digits, . _ -)',
      `key id ${id} is given twice`,
      `key ${id}: the private key does not match the certificate`,
      `key ${id}: not a base64 DER certificate and PKCS#8 private key`,
    ]);
    for (const problem of problems) expect(problem).not.toContain(key.slice(0, 20));
  });

  it('is one config section with checked cross-variable rules', () => {
    const section = { teamsIngress: teamsIngressConfigSection };
    const config = loadConfig(section, { PARLEY_TEAMS_PUBLIC_URL: 'https://parley.example.com/', PARLEY_TEAMS_NOTIFICATION_KEYS: current.env, PARLEY_TEAMS_NOTIFICATION_ACTIVE_KEY: current.id }).teamsIngress;
    expect(config.publicBaseUrl).toBe('https://parley.example.com');
    expect(config.activeKeyId).toBe(current.id);
    expect(config.subscriptionLifetimeMs).toBeLessThanOrEqual(4320 * 60_000);
    expect(JSON.stringify(config)).not.toContain(current.env.split(':')[2]?.slice(0, 40));
    expect(loadConfig(section, {}).teamsIngress.publicBaseUrl).toBeNull();
    expect(() => loadConfig(section, { PARLEY_TEAMS_NOTIFICATION_KEYS: current.env })).toThrow(/PARLEY_TEAMS_NOTIFICATION_ACTIVE_KEY: required/);
    expect(() => loadConfig(section, { PARLEY_TEAMS_NOTIFICATION_KEYS: current.env, PARLEY_TEAMS_NOTIFICATION_ACTIVE_KEY: 'other' })).toThrow(/names no key/);
    expect(() => loadConfig(section, { PARLEY_TEAMS_SUBSCRIPTION_MINUTES: '5000' })).toThrow(/PARLEY_TEAMS_SUBSCRIPTION_MINUTES/);
    expect(() => loadConfig(section, { PARLEY_TEAMS_NOTIFICATION_KEYS: 'x:y' })).toThrow(/entry 1 is not/);
  });
});

describe('chatMessageOf', () => {
  it("reads Graph's resource paths in both spellings", () => {
    expect(chatMessageOf("chats('19:abc@thread.v2')/messages('1733')")).toEqual({ chatId: '19:abc@thread.v2', messageId: '1733' });
    expect(chatMessageOf('/chats/19:abc@thread.v2/messages/1733')).toEqual({ chatId: '19:abc@thread.v2', messageId: '1733' });
    expect(chatMessageOf("teams('t')/channels('c')/messages('1')")).toBeNull();
  });
});

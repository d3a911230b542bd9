import { X509Certificate, constants, createCipheriv, createHmac, publicEncrypt, randomBytes } from 'node:crypto';
import { loadConfig } from '@parley/config';
import { teamsIngressConfigSection } from './ingress-config';
import { chatMessageOf } from './notification-intake';
import { createNotificationCertificate } from './notification-certificate';
import { DecryptionError, NotificationKeyring, type EncryptedContent } from './notification-keys';

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

  it('unwraps the data key of a notification sent again only once, and still checks its data every time', () => {
    const fresh = new NotificationKeyring([current], current.id);
    const content = encrypt({ id: '3' }, current.certificate, current.id);
    expect(fresh.decrypt(content)).toEqual({ id: '3' });
    expect(fresh.decrypt({ ...content })).toEqual({ id: '3' });
    // Same wrapped key, other data: the signature over the data refuses it.
    const other = encrypt({ id: '4' }, current.certificate, current.id);
    expect(reason(() => fresh.decrypt({ ...content, data: other.data }))).toBe('signature-mismatch');
    expect(fresh.unwraps).toEqual({ done: 1, reused: 2 });
    // A key that does not unwrap is not remembered: it fails each time.
    const forged = { ...content, dataKey: Buffer.from(randomBytes(256)).toString('base64') };
    expect(reason(() => fresh.decrypt(forged))).toBe('key-unwrap-failed');
    expect(reason(() => fresh.decrypt(forged))).toBe('key-unwrap-failed');
    expect(fresh.unwraps).toEqual({ done: 3, reused: 2 });
  });

  it('makes no subscription without an active key', () => {
    expect(new NotificationKeyring([], null).active).toBeNull();
    expect(() => new NotificationKeyring([current], 'missing')).toThrow(/missing is active but not configured/);
  });
});

describe('chatMessageOf', () => {
  it("reads Graph's resource paths in both spellings", () => {
    expect(chatMessageOf("chats('19:abc@thread.v2')/messages('1733')")).toEqual({ chatId: '19:abc@thread.v2', messageId: '1733' });
    expect(chatMessageOf('/chats/19:abc@thread.v2/messages/1733')).toEqual({ chatId: '19:abc@thread.v2', messageId: '1733' });
    expect(chatMessageOf("teams('t')/channels('c')/messages('1')")).toBeNull();
  });
});

describe('the teamsIngress config section', () => {
  it('is one config section with checked cross-variable rules; notification keys are not configuration (ADR 0028)', () => {
    const section = { teamsIngress: teamsIngressConfigSection };
    const config = loadConfig(section, { PARLEY_TEAMS_PUBLIC_URL: 'https://parley.example.com/', PARLEY_TEAMS_NOTIFICATION_KEY_ROTATE_DAYS: '7' }).teamsIngress;
    expect(config.publicBaseUrl).toBe('https://parley.example.com');
    expect(config.notificationKeyMaxAgeMs).toBe(7 * 24 * 3600_000);
    expect(config.subscriptionLifetimeMs).toBeLessThanOrEqual(4320 * 60_000);
    expect(loadConfig(section, {}).teamsIngress).toMatchObject({ publicBaseUrl: null, notificationKeyMaxAgeMs: 30 * 24 * 3600_000 });
    expect(() => loadConfig(section, { PARLEY_TEAMS_SUBSCRIPTION_MINUTES: '5000' })).toThrow(/PARLEY_TEAMS_SUBSCRIPTION_MINUTES/);
    expect(() => loadConfig(section, { PARLEY_TEAMS_NOTIFICATION_KEY_ROTATE_DAYS: '0' })).toThrow(/PARLEY_TEAMS_NOTIFICATION_KEY_ROTATE_DAYS/);
    expect(Object.keys(teamsIngressConfigSection.schema.shape)).not.toContain('PARLEY_TEAMS_NOTIFICATION_KEYS');
  });

  it('holds a connection for three checks, at least 2 minutes, unless PARLEY_TEAMS_LEASE_TTL_MS says otherwise (at least three checks)', () => {
    const section = { teamsIngress: teamsIngressConfigSection };
    expect(loadConfig(section, {}).teamsIngress.leaseTtlMs).toBe(180_000);
    expect(loadConfig(section, { PARLEY_TEAMS_SUBSCRIPTION_CHECK_MS: '1000' }).teamsIngress.leaseTtlMs).toBe(120_000);
    expect(loadConfig(section, { PARLEY_TEAMS_SUBSCRIPTION_CHECK_MS: '1000', PARLEY_TEAMS_LEASE_TTL_MS: '10000' }).teamsIngress.leaseTtlMs).toBe(10_000);
    expect(() => loadConfig(section, { PARLEY_TEAMS_SUBSCRIPTION_CHECK_MS: '5000', PARLEY_TEAMS_LEASE_TTL_MS: '10000' })).toThrow(/PARLEY_TEAMS_LEASE_TTL_MS/);
  });

  it('reads a chat back before its new messages unless PARLEY_TEAMS_READ_BACK says not to (ADR 0047)', () => {
    const section = { teamsIngress: teamsIngressConfigSection };
    expect(loadConfig(section, {}).teamsIngress.inbox.readBack).toBe(true);
    expect(loadConfig(section, { PARLEY_TEAMS_READ_BACK: 'false' }).teamsIngress.inbox.readBack).toBe(false);
    expect(loadConfig(section, { PARLEY_TEAMS_READ_BACK: '0' }).teamsIngress.inbox.readBack).toBe(false);
    expect(loadConfig(section, { PARLEY_TEAMS_READ_BACK: 'true' }).teamsIngress.inbox.readBack).toBe(true);
    expect(() => loadConfig(section, { PARLEY_TEAMS_READ_BACK: 'no' })).toThrow(/PARLEY_TEAMS_READ_BACK/);
  });
});

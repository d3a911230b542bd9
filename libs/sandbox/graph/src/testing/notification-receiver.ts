// Test support: the subscriber side of change notifications, written from the documentation only: nothing here is
// shared with the sandbox's own code.
import { constants, createDecipheriv, createHmac, createPublicKey, generateKeyPairSync, privateDecrypt, verify } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';

export interface Received {
  readonly path: string;
  readonly body: { value: Record<string, unknown>[] };
}

export class Receiver {
  readonly received: Received[] = [];
  /** How to answer validation: echo (correct), wrong token, or never. */
  validation: 'echo' | 'wrong' | 'silent' = 'echo';
  /** Status codes to answer the next notifications with, then 202. */
  failNext: number[] = [];
  private server!: Server;
  private waiters: (() => void)[] = [];
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', this.url);
    const token = url.searchParams.get('validationToken');
    if (token !== null) {
      if (this.validation === 'silent') return; // never answers
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(this.validation === 'echo' ? token : 'something else');
      return;
    }
    const status = this.failNext.shift() ?? 202;
    res.writeHead(status).end();
    if (status < 300) {
      this.received.push({ path: url.pathname, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      for (const resolve of this.waiters.splice(0)) resolve();
    }
  }

  async waitFor(count: number, timeoutMs = 5000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} notifications, got ${this.received.length}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.received;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A self-signed certificate for the subscription, and its private key, as the subscriber would make them. */
export function subscriberCertificate(): { certificateBase64: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: 'commonName', value: 'subscriber' }]);
  cert.setIssuer([{ name: 'commonName', value: 'subscriber' }]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  const der = forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes();
  return { certificateBase64: Buffer.from(der, 'binary').toString('base64'), privateKeyPem: privateKey };
}

/** The documented decryption: RSA-OAEP(SHA-1) for the key, HMAC-SHA256 check, AES-CBC with IV = key[0..16]. */
export function decrypt(encrypted: { data: string; dataKey: string; dataSignature: string }, privateKeyPem: string): unknown {
  const key = privateDecrypt({ key: privateKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(encrypted.dataKey, 'base64'));
  const signature = createHmac('sha256', key).update(Buffer.from(encrypted.data, 'base64')).digest('base64');
  if (signature !== encrypted.dataSignature) throw new Error('dataSignature mismatch');
  const decipher = createDecipheriv(`aes-${key.length * 8}-cbc`, key, key.subarray(0, 16));
  return JSON.parse(Buffer.concat([decipher.update(Buffer.from(encrypted.data, 'base64')), decipher.final()]).toString('utf8'));
}


/**
 * Checks a notification's validation token as the docs tell a subscriber to: an RS256 JWT signed by a key from the
 * identity platform's JWKS, not expired, for this app (aud), from this tenant's issuer, and issued to Graph's
 * change-tracking app (appid / azp). Returns why it fails, or null when it is valid.
 */
export function validationTokenProblem(token: string, jwks: { keys: { kid?: string }[] }, expected: { tenantId: string; appId: string }): string | null {
  const [header, claims, signature] = token.split('.');
  if (!header || !claims || !signature) return 'not a JWT';
  const head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg: string; kid: string };
  if (head.alg !== 'RS256') return `alg ${head.alg}`;
  const jwk = jwks.keys.find((k) => k.kid === head.kid);
  if (!jwk) return `unknown kid ${head.kid}`;
  const key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  if (!verify('sha256', Buffer.from(`${header}.${claims}`), key, Buffer.from(signature, 'base64url'))) return 'bad signature';
  const body = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Record<string, unknown>;
  const now = Date.now() / 1000;
  if (typeof body['exp'] !== 'number' || body['exp'] < now) return 'expired';
  if (typeof body['nbf'] === 'number' && body['nbf'] > now + 300) return 'not yet valid';
  if (body['aud'] !== expected.appId) return `aud ${String(body['aud'])}`;
  if (body['iss'] !== `https://sts.windows.net/${expected.tenantId}/`) return `iss ${String(body['iss'])}`;
  if (body['appid'] !== '0bf30f3b-4a52-48df-9a82-234910c4a086' && body['azp'] !== '0bf30f3b-4a52-48df-9a82-234910c4a086') return 'not issued to Graph change tracking';
  return null;
}

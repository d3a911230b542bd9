import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/** A locally generated CA and a server certificate for 127.0.0.1 / localhost signed by it. */
export interface SandboxCertificates {
  /** The CA certificate (PEM): what a client must trust to talk to the sandbox. */
  readonly caPem: string;
  readonly serverCertPem: string;
  readonly serverKeyPem: string;
}

// Key generation is the slow part (RSA in node:crypto is native, forge's is pure JS), so one set per process is
// shared by every sandbox started in it: tests and the embedded demo start many sandboxes.
let cached: SandboxCertificates | undefined;

function rsaKeys(): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
    privateKey: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey,
    privatePem: privateKey,
  };
}

/**
 * A positive serial in minimal DER: the first byte in 0x40-0x7f, so the top bit (the sign) is clear and it is never
 * zero. forge writes the hex as given, and a serial starting with a zero byte followed by a byte under 0x80 is not
 * minimal DER: OpenSSL refuses it (1 certificate in 32,768 with the top bit merely cleared). The same rule as
 * teams-connector's notification certificates.
 */
export function serial(random: Buffer = randomBytes(16)): string {
  const bytes = Buffer.from(random);
  bytes[0] = ((bytes[0] as number) & 0x3f) | 0x40;
  return bytes.toString('hex');
}

function validity(cert: forge.pki.Certificate): void {
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 24 * 3600_000);
}

export function generateSandboxCertificates(): SandboxCertificates {
  const caKeys = rsaKeys();
  const ca = forge.pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = serial();
  validity(ca);
  const caName = [{ name: 'commonName', value: 'Parley Graph Sandbox Local CA' }, { name: 'organizationName', value: 'Parley sandbox' }];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const serverKeys = rsaKeys();
  const server = forge.pki.createCertificate();
  server.publicKey = serverKeys.publicKey;
  server.serialNumber = serial();
  validity(server);
  server.setSubject([{ name: 'commonName', value: '127.0.0.1' }]);
  server.setIssuer(caName);
  server.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    // Node checks the SAN, not the CN: both the IP and the name a client may use.
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
  ]);
  server.sign(caKeys.privateKey, forge.md.sha256.create());

  return {
    caPem: forge.pki.certificateToPem(ca),
    serverCertPem: forge.pki.certificateToPem(server),
    serverKeyPem: serverKeys.privatePem,
  };
}

/** The process-wide sandbox certificates, generated on first use. */
export function sandboxCertificates(): SandboxCertificates {
  cached ??= generateSandboxCertificates();
  return cached;
}

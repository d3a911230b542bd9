import { type JsonWebKey, type KeyObject, createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto';

/** The `appid` (and `azp`) of Microsoft Graph's change-tracking service, as the reference gives it. */
export const GRAPH_CHANGE_TRACKING_APP_ID = '0bf30f3b-4a52-48df-9a82-234910c4a086';

const base64url = (value: Buffer | string): string => Buffer.from(value).toString('base64url');

/**
 * Signs the `validationTokens` of notifications with resource data: one RS256 JWT per app and tenant in a payload,
 * audience = the subscribing app's id, issuer = the tenant's v1 token issuer, appid/azp = Graph's change-tracking
 * app, valid for an hour. The key is the sandbox server's TLS key (already persisted with the certificates, so
 * tokens stay verifiable across restarts); its public half is served as a JWKS at the identity platform's
 * `/common/discovery/v2.0/keys` (also `/{tenant}/discovery/v2.0/keys`), where a connector fetches it.
 */
export class ValidationTokenSigner {
  private readonly privateKey: KeyObject;
  readonly kid: string;
  private readonly jwk: JsonWebKey;

  constructor(privateKeyPem: string) {
    this.privateKey = createPrivateKey(privateKeyPem);
    const publicKey = createPublicKey(this.privateKey);
    const der = publicKey.export({ type: 'spki', format: 'der' });
    this.kid = base64url(createHash('sha256').update(der).digest()).slice(0, 27);
    this.jwk = publicKey.export({ format: 'jwk' });
  }

  sign(input: { tenantId: string; audience: string; now?: number }): string {
    const iat = Math.floor((input.now ?? Date.now()) / 1000);
    const header = { typ: 'JWT', alg: 'RS256', kid: this.kid, x5t: this.kid };
    const claims = {
      aud: input.audience,
      // (unverified) the issuer form: Graph's validation tokens are v1 Entra tokens, issued as sts.windows.net/{tid}/.
      iss: `https://sts.windows.net/${input.tenantId}/`,
      iat,
      nbf: iat,
      exp: iat + 3600,
      appid: GRAPH_CHANGE_TRACKING_APP_ID,
      azp: GRAPH_CHANGE_TRACKING_APP_ID,
      appidacr: '2',
      tid: input.tenantId,
      ver: '1.0',
    };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    return `${signingInput}.${base64url(sign('sha256', Buffer.from(signingInput), this.privateKey))}`;
  }

  /** The JWKS document (`{keys:[...]}`), as Entra's discovery keys endpoint answers it. */
  jwks(): { keys: Record<string, unknown>[] } {
    return { keys: [{ kty: this.jwk.kty, use: 'sig', alg: 'RS256', kid: this.kid, x5t: this.kid, n: this.jwk.n, e: this.jwk.e }] };
  }
}

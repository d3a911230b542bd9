import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { Dispatcher } from 'undici';

/** The `appid`/`azp` of Microsoft Graph's change-tracking service: the only app that signs validation tokens. */
export const GRAPH_CHANGE_TRACKING_APP_ID = '0bf30f3b-4a52-48df-9a82-234910c4a086';

export interface ValidationTokenSettings {
  /** JWKS of the identity platform; `{authorityUrl}` is the connection's authority (default login.microsoftonline.com). */
  readonly jwksUrl: string;
  /** The expected issuer; `{tenantId}` is the notifying tenant. */
  readonly issuer: string;
  /** How long a fetched key set is used before it is fetched again. */
  readonly jwksCacheMs: number;
}

export const defaultValidationTokenSettings: ValidationTokenSettings = {
  jwksUrl: '{authorityUrl}/common/discovery/v2.0/keys',
  issuer: 'https://sts.windows.net/{tenantId}/',
  jwksCacheMs: 60 * 60_000,
};

export type TokenFailure = 'malformed' | 'bad-signature' | 'expired' | 'wrong-issuer' | 'wrong-audience' | 'wrong-app' | 'unknown-key' | 'jwks-unavailable';

export class ValidationTokenError extends Error {
  constructor(readonly reason: TokenFailure) {
    super(`validation token refused: ${reason}`);
    this.name = 'ValidationTokenError';
  }
}

/** Who a token must have been issued for: the subscribing app (audience) in the notifying tenant. */
export interface TokenExpectation {
  readonly tenantId: string;
  readonly audience: string;
  readonly authorityUrl: string;
}

/**
 * Checks the `validationTokens` of notifications with resource data as Microsoft documents: an RS256 JWT signed by a
 * key of the identity platform's JWKS, not expired, audience = Parley's app id, issuer = the tenant's, and `appid`
 * (or `azp`) = Graph's change-tracking app. Key sets are cached per URL and fetched again on an unknown `kid` (at most
 * once a minute, so a forged kid cannot make us hammer the endpoint).
 */
export class ValidationTokenVerifier {
  private readonly sets = new Map<string, { jwks: ReturnType<typeof createLocalJWKSet>; kids: Set<string>; fetchedAt: number }>();
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly settings: ValidationTokenSettings,
    private readonly dispatcher?: Dispatcher,
  ) {}

  async verify(token: string, expected: TokenExpectation): Promise<JWTPayload> {
    const url = this.settings.jwksUrl.replace('{authorityUrl}', expected.authorityUrl.replace(/\/+$/, ''));
    const kid = headerKid(token);
    await this.ensureKeys(url, kid);
    const set = this.sets.get(url);
    if (!set) throw new ValidationTokenError('jwks-unavailable');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, set.jwks, { algorithms: ['RS256'] }));
    } catch (error) {
      throw new ValidationTokenError(classify(error));
    }
    // Checked one by one so the refusal names what was wrong.
    if (payload.iss !== this.settings.issuer.replace('{tenantId}', expected.tenantId)) throw new ValidationTokenError('wrong-issuer');
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!audiences.includes(expected.audience)) throw new ValidationTokenError('wrong-audience');
    const app = (payload['appid'] ?? payload['azp']) as unknown;
    if (app !== GRAPH_CHANGE_TRACKING_APP_ID) throw new ValidationTokenError('wrong-app');
    return payload;
  }

  private async ensureKeys(url: string, kid: string | undefined): Promise<void> {
    const cached = this.sets.get(url);
    const now = Date.now();
    const stale = !cached || now - cached.fetchedAt > this.settings.jwksCacheMs;
    const missing = !!cached && kid !== undefined && !cached.kids.has(kid) && now - cached.fetchedAt > 60_000;
    if (!stale && !missing) return;
    let pending = this.inFlight.get(url);
    if (!pending) {
      pending = this.fetchKeys(url).finally(() => this.inFlight.delete(url));
      this.inFlight.set(url, pending);
    }
    try {
      await pending;
    } catch {
      if (!this.sets.has(url)) throw new ValidationTokenError('jwks-unavailable');
    }
  }

  private async fetchKeys(url: string): Promise<void> {
    const response = await fetch(url, { dispatcher: this.dispatcher, signal: AbortSignal.timeout(5_000) } as unknown as RequestInit);
    if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
    const body = (await response.json()) as JSONWebKeySet;
    if (!body || !Array.isArray(body.keys)) throw new Error('JWKS without keys');
    this.sets.set(url, { jwks: createLocalJWKSet(body), kids: new Set(body.keys.map((k) => k.kid).filter((k): k is string => !!k)), fetchedAt: Date.now() });
  }
}

function headerKid(token: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid?: unknown };
    return typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    throw new ValidationTokenError('malformed');
  }
}

function classify(error: unknown): TokenFailure {
  if (error instanceof joseErrors.JWTExpired) return 'expired';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'unknown-key';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad-signature';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return error.claim === 'nbf' ? 'expired' : 'malformed';
  return 'malformed';
}

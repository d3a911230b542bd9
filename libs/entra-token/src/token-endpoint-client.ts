import { Secret } from '@parley/config';
import { TokenEndpointError } from './token-endpoint-error';

export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/** A grant as the identity platform answered it; the tokens stay Secrets until they are sealed or handed out. */
export interface TokenGrant {
  readonly accessToken: Secret;
  readonly refreshToken: Secret | null;
  readonly expiresInSeconds: number;
  readonly scope: string | null;
}

/** Form fields of a token request; Secret values are revealed only into the request body. */
export type TokenForm = Readonly<Record<string, string | Secret>>;

/**
 * The Microsoft identity platform's token endpoint, `${authorityUrl}/${tenant}/oauth2/v2.0/token` (form-encoded).
 * `fetch` is injectable: tests pass one whose dispatcher trusts the Graph sandbox CA; production uses global fetch
 * (NODE_EXTRA_CA_CERTS covers a sandbox in distributed mode).
 */
export class TokenEndpointClient {
  constructor(
    private readonly fetchFn: FetchFunction = (input, init) => fetch(input, init),
    private readonly timeoutMs = 15_000,
  ) {}

  static tokenUrl(authorityUrl: string, tenant: string): string {
    return `${authorityUrl.replace(/\/+$/, '')}/${encodeURIComponent(tenant)}/oauth2/v2.0/token`;
  }

  async request(authorityUrl: string, tenant: string, form: TokenForm): Promise<TokenGrant> {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(form)) body.set(name, value instanceof Secret ? value.reveal() : value);
    let response: Response;
    try {
      response = await this.fetchFn(TokenEndpointClient.tokenUrl(authorityUrl, tenant), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: body.toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : 'request failed';
      throw new TokenEndpointError('unavailable', null, 'unavailable', [], `the token endpoint at ${authorityUrl} could not be reached (${reason})`);
    }
    const text = await response.text().catch(() => '');
    const json = parseObject(text);
    if (response.ok) {
      const accessToken = json?.['access_token'];
      const expiresIn = Number(json?.['expires_in']);
      if (typeof accessToken !== 'string' || accessToken.length === 0 || !Number.isFinite(expiresIn) || expiresIn <= 0) {
        throw new TokenEndpointError('unavailable', response.status, 'invalid_response', [], 'the token endpoint answered 200 without an access_token and expires_in');
      }
      const refresh = json?.['refresh_token'];
      const scope = json?.['scope'];
      return {
        accessToken: new Secret(accessToken),
        refreshToken: typeof refresh === 'string' && refresh.length > 0 ? new Secret(refresh) : null,
        expiresInSeconds: expiresIn,
        scope: typeof scope === 'string' ? scope : null,
      };
    }
    const error = json?.['error'];
    if (typeof error === 'string' && response.status < 500) {
      const codes = Array.isArray(json?.['error_codes']) ? (json?.['error_codes'] as unknown[]).filter((c): c is number => typeof c === 'number') : [];
      const description = typeof json?.['error_description'] === 'string' ? (json?.['error_description'] as string) : '';
      throw new TokenEndpointError('rejected', response.status, error, codes, description);
    }
    throw new TokenEndpointError('unavailable', response.status, typeof error === 'string' ? error : `http_${response.status}`, [], `the token endpoint answered HTTP ${response.status}`);
  }
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

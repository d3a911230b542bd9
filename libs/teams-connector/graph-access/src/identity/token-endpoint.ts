import type { Dispatcher } from 'undici';
import type { Secret } from '@parley/config';

export const GRAPH_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';

export type TokenEndpointOutcome =
  | { readonly ok: true; readonly accessToken: string; readonly expiresInSeconds: number }
  | {
      readonly ok: false;
      /** HTTP status, 0 when the endpoint could not be reached. */
      readonly status: number;
      /** OAuth error (`invalid_client`, `invalid_grant`...), null when there was no error body. */
      readonly error: string | null;
      /** AADSTS codes. */
      readonly codes: readonly number[];
      /** The description without its trace and correlation ids; never contains what was sent. */
      readonly description: string;
    };

export interface TokenEndpointTarget {
  readonly authorityUrl: string;
  readonly tenant: string;
  readonly dispatcher?: Dispatcher;
  readonly timeoutMs?: number;
}

/**
 * One call to the identity platform's token endpoint, `${authorityUrl}/${tenant}/oauth2/v2.0/token`. The connector
 * uses it only to check credentials an admin is about to store (nothing is in identity's vault yet); every other
 * token comes from identity.
 */
export async function requestToken(target: TokenEndpointTarget, form: Readonly<Record<string, string | Secret>>): Promise<TokenEndpointOutcome> {
  const url = `${target.authorityUrl.replace(/\/+$/, '')}/${encodeURIComponent(target.tenant)}/oauth2/v2.0/token`;
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) body.set(name, typeof value === 'string' ? value : value.reveal());
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      signal: AbortSignal.timeout(target.timeoutMs ?? 10_000),
      ...(target.dispatcher ? { dispatcher: target.dispatcher } : {}),
    } as RequestInit);
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : 'request failed');
    return { ok: false, status: 0, error: null, codes: [], description: `the token endpoint at ${target.authorityUrl} could not be reached (${why})` };
  }
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = {};
  }
  if (response.ok && typeof json['access_token'] === 'string') {
    const expiresIn = typeof json['expires_in'] === 'number' ? json['expires_in'] : Number(json['expires_in'] ?? 3599);
    return { ok: true, accessToken: json['access_token'], expiresInSeconds: expiresIn };
  }
  const codes = Array.isArray(json['error_codes']) ? json['error_codes'].filter((c): c is number => typeof c === 'number') : [];
  const description = typeof json['error_description'] === 'string' ? cleanDescription(json['error_description']) : `the token endpoint answered ${response.status}`;
  return { ok: false, status: response.status, error: typeof json['error'] === 'string' ? json['error'] : null, codes, description };
}

/** `AADSTS7000215: Invalid client secret provided. ... Trace ID: x Correlation ID: y Timestamp: z` -> the sentence. */
export function cleanDescription(description: string): string {
  return description.replace(/\s*Trace ID:.*$/s, '').trim();
}

/** The claims of a JWT access token; undefined when the token is not a readable JWT (Graph tokens may be opaque). */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8'));
    return payload && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The `roles` claim of a JWT access token ([] when it has none); undefined when the token is not a readable JWT. */
export function jwtRoles(token: string): string[] | undefined {
  const claims = jwtClaims(token);
  if (!claims) return undefined;
  return Array.isArray(claims['roles']) ? claims['roles'].filter((r): r is string => typeof r === 'string') : [];
}

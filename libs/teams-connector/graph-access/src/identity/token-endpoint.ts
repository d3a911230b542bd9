import type { Dispatcher } from 'undici';
import type { Secret } from '@parley/config';
import { TokenEndpointClient, TokenEndpointError, type FetchFunction } from '@parley/entra-token';

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
 * One call to the identity platform's token endpoint (the shared `TokenEndpointClient`), as an outcome the verifier
 * can map to a field. The connector uses it only to check credentials an admin is about to store (nothing is in
 * identity's vault yet); every other token comes from identity.
 */
export async function requestToken(target: TokenEndpointTarget, form: Readonly<Record<string, string | Secret>>): Promise<TokenEndpointOutcome> {
  const fetchThrough: FetchFunction = (input, init) => fetch(input, { ...init, ...(target.dispatcher ? { dispatcher: target.dispatcher } : {}) } as RequestInit);
  const client = new TokenEndpointClient(fetchThrough, target.timeoutMs ?? 10_000);
  try {
    const grant = await client.request(target.authorityUrl, target.tenant, form);
    return { ok: true, accessToken: grant.accessToken.reveal(), expiresInSeconds: grant.expiresInSeconds };
  } catch (error) {
    if (!(error instanceof TokenEndpointError)) throw error;
    if (error.httpStatus === null) {
      return { ok: false, status: 0, error: null, codes: [], description: error.description };
    }
    return {
      ok: false,
      status: error.httpStatus,
      error: error.kind === 'rejected' ? error.error : null,
      codes: error.errorCodes,
      description: error.description ? cleanDescription(error.description) : `the token endpoint answered ${error.httpStatus}`,
    };
  }
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

/**
 * A failed call to an identity provider's token endpoint. `rejected`: the provider answered with an OAuth error
 * (`error`, `error_codes`); `unavailable`: no usable answer (network, timeout, 5xx, not JSON). The message is built
 * from the provider's error fields only, never from what was sent (passwords, refresh tokens, client secrets).
 */
export class TokenEndpointError extends Error {
  constructor(
    readonly kind: 'rejected' | 'unavailable',
    readonly httpStatus: number | null,
    readonly error: string,
    readonly errorCodes: readonly number[],
    readonly description: string,
  ) {
    super(`token endpoint ${kind === 'rejected' ? 'refused' : 'unavailable'}: ${error}${errorCodes.length ? ` (AADSTS${errorCodes.join(', AADSTS')})` : ''}`);
    this.name = 'TokenEndpointError';
  }

  /** The first AADSTS code, read from error_codes or else from the description (`AADSTS50076: ...`). */
  get aadsts(): number | null {
    if (this.errorCodes.length > 0) return this.errorCodes[0] as number;
    const match = /AADSTS(\d+)/.exec(this.description);
    return match ? Number(match[1]) : null;
  }
}

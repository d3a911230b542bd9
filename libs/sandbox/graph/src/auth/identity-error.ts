import { randomUUID } from 'node:crypto';

/** An identity platform error: HTTP 400/401 with `{error, error_description, error_codes, timestamp, trace_id, correlation_id}`. */
export class IdentityError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly aadsts: number,
    readonly description: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(`AADSTS${aadsts}: ${description}`);
  }

  body(correlationId?: string): Record<string, unknown> {
    const traceId = randomUUID();
    const correlation = correlationId ?? randomUUID();
    const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
    return {
      error: this.error,
      error_description: `AADSTS${this.aadsts}: ${this.description} Trace ID: ${traceId} Correlation ID: ${correlation} Timestamp: ${timestamp}`,
      error_codes: [this.aadsts],
      timestamp,
      trace_id: traceId,
      correlation_id: correlation,
      error_uri: `https://login.microsoftonline.com/error?code=${this.aadsts}`,
      ...this.extra,
    };
  }
}

export const mfaRequired = (): IdentityError =>
  new IdentityError(
    400,
    'invalid_grant',
    50076,
    'Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access this resource.',
    { suberror: 'basic_action', claims: '{"access_token":{"capolids":{"essential":true,"values":["sandbox-guest-mfa"]}}}' },
  );

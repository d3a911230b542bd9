/** Slack answered a Web API call with `{ok:false, error}`: the request reached Slack and Slack refused it. */
export class SlackApiError extends Error {
  constructor(
    readonly method: string,
    readonly code: string,
    /** For missing_scope: the scopes the method accepts and the ones the token has. */
    readonly needed?: string,
    readonly provided?: string,
  ) {
    super(`Slack ${method} failed: ${code}${needed ? ` (needs ${needed})` : ''}`);
    this.name = 'SlackApiError';
  }
}

/** Slack could not be reached or answered 5xx, or a call timed out: worth trying again later. */
export class SlackUnavailableError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SlackUnavailableError';
  }
}

/** Slack kept answering 429 after the retries the limits allow: the work is retried later (transient). */
export class SlackRateLimitedError extends SlackUnavailableError {
  constructor(
    what: string,
    readonly retryAfterSeconds: number | undefined,
    readonly attempts: number,
  ) {
    super(`${what}: still rate limited by Slack after ${attempts} attempts`, 429);
    this.name = 'SlackRateLimitedError';
  }
}

/** SCIM answered a 4xx other than 429 (bad token, plan without SCIM, conflict, invalid value...). */
export class ScimRequestError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly detail: string,
    readonly scimType?: string,
  ) {
    super(`SCIM ${operation} answered ${status}: ${detail}`);
    this.name = 'ScimRequestError';
  }
}

/** Internal to the access layer: one 429 answer, retried by the pacer after the wait it names. */
export class RateLimitSignal extends Error {
  constructor(readonly retryAfterSeconds: number | undefined) {
    super('rate limited');
    this.name = 'RateLimitSignal';
  }
}

/** Web API errors no retry can fix: the token, its scopes or the workspace must change first. */
const ADMIN_FIXABLE_CODES = new Set([
  'not_authed',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'missing_scope',
  'no_permission',
  'not_allowed_token_type',
  'team_access_not_granted',
  'ekm_access_denied',
  'org_login_required',
  'team_disabled',
]);

/** Web API codes meaning the bot token itself is refused (as opposed to lacking a scope). */
export const TOKEN_REFUSED_CODES: ReadonlySet<string> = new Set([
  'not_authed',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
  'team_disabled',
]);

/** True when an admin must act (reconnect, grant a scope, change plan) before the call can succeed. */
export function isAdminFixable(error: unknown): boolean {
  if (error instanceof SlackApiError) return ADMIN_FIXABLE_CODES.has(error.code);
  if (error instanceof ScimRequestError) return error.status === 401 || error.status === 403;
  return false;
}

/** A sentence an admin can act on, for failure events; never contains a secret. */
export function describeForAdmin(error: unknown): string {
  if (error instanceof SlackApiError) {
    if (error.code === 'missing_scope') {
      return `the Slack bot token lacks a scope ${error.method} needs${error.needed ? ` (${error.needed})` : ''}: reinstall the app with it`;
    }
    if (TOKEN_REFUSED_CODES.has(error.code)) {
      return `Slack refused the bot token (${error.code}) on ${error.method}: reconnect Slack with a valid bot token`;
    }
    return `Slack refused ${error.method}: ${error.code}`;
  }
  if (error instanceof ScimRequestError) {
    if (error.status === 401) return `Slack refused the SCIM token (${error.detail}): reconnect Slack with a valid SCIM token`;
    if (error.status === 403) return `Slack SCIM refused the request: ${error.detail}`;
    return `Slack SCIM ${error.operation} failed with ${error.status}: ${error.detail}`;
  }
  return error instanceof Error ? error.message : String(error);
}

import { InternalApiError } from '@parley/internal-api';
import { GraphRequestError, NeedsAttentionError, UnknownToIdentityError, describeSubject } from '@parley/teams-connector-graph-access';

/** A refusal established by the connector itself (e.g. Graph refused the guest for some of the teams). */
export class RefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedError';
  }
}

/**
 * Sorts a failure into one an admin must fix (a reason to publish in a failure event) or a transient one (null:
 * the handler throws and the bus retries). Graph 4xx are refusals that retrying cannot change; 0 (unreachable),
 * 429 and 5xx are transient. A 401 that survived a fresh token means the credentials themselves were refused.
 */
export function refusalReason(error: unknown, doing: string): string | null {
  if (error instanceof RefusedError) return `${doing}: ${error.message}`;
  if (error instanceof NeedsAttentionError) return `${doing}: Parley cannot sign in as ${describeSubject(error.subject)}: ${error.reason}`;
  if (error instanceof UnknownToIdentityError) return `${doing}: ${error.message}`;
  if (error instanceof GraphRequestError) {
    if (error.status === 0 || error.status === 408 || error.status === 429 || error.status >= 500) return null;
    const hint = error.status === 403 ? ' (a permission the app or the signed-in account lacks, or a tenant policy)' : '';
    return `${doing}: Graph answered ${error.status}${error.code ? ` ${error.code}` : ''}${hint}: ${error.graphMessage}`;
  }
  if (error instanceof InternalApiError && error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429) {
    return `${doing}: identity refused the request (${error.status}): ${error.problem.detail ?? error.problem.title ?? 'no detail'}`;
  }
  return null;
}

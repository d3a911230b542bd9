import { randomUUID } from 'node:crypto';

/**
 * A Graph API error, answered as `{error:{code, message, innerError:{date, request-id, client-request-id}}}`.
 * Handlers throw it; the dispatcher turns it into the response, so no handler can answer a 500 by accident.
 */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string): GraphError => new GraphError(400, 'BadRequest', message);
export const notFound = (message = 'Resource not found.'): GraphError => new GraphError(404, 'NotFound', message);
export const forbidden = (message: string): GraphError => new GraphError(403, 'Forbidden', message);

export function graphErrorBody(code: string, message: string, clientRequestId: string | undefined): unknown {
  const requestId = randomUUID();
  return {
    error: {
      code,
      message,
      innerError: { date: new Date().toISOString().replace(/\.\d{3}Z$/, ''), 'request-id': requestId, 'client-request-id': clientRequestId ?? requestId },
    },
  };
}

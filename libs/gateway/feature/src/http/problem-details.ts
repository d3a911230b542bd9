import { INVALID_REQUEST_PROBLEM, ProblemException, type FieldProblem, type GenericDetails } from '@parley/service-runtime';

/** A 422: a field whose value a platform refused (a bad secret, a missing scope or role). */
export interface RefusedField extends FieldProblem {
  readonly reason: string;
}

/** Problem types the gateway defines; anything else is `about:blank` (the status code says it all). */
export const problemTypes = {
  invalidRequest: INVALID_REQUEST_PROBLEM,
  unauthorized: 'urn:parley:problem:unauthorized',
  /** A platform refused the credentials of a connection: `errors` names each field with the reason. */
  connectionRefused: 'urn:parley:problem:connection-refused',
  /** Another Parley service did not answer, or answered something the gateway cannot use. */
  serviceUnavailable: 'urn:parley:problem:service-unavailable',
  notFound: 'about:blank',
} as const;

export function unauthorized(detail = 'Send an API key as `Authorization: Bearer <key>`.'): ProblemException {
  return new ProblemException(401, detail, problemTypes.unauthorized);
}

/**
 * The public API's details for errors gateway code did not write, beyond the runtime's common ones: the gateway's
 * `problemDetails`, which the runtime's filter uses for every HTTP error, unknown routes and body-parser failures included.
 */
export const gatewayGenericDetails: GenericDetails = {
  405: 'Method not allowed.',
  415: 'Send the body as application/json.',
};

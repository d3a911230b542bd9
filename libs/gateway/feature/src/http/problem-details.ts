import { STATUS_CODES } from 'node:http';
import { ArgumentsHost, Catch, HttpException, Inject, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { throwError, type Observable } from 'rxjs';
import type { Logger } from '@parley/observability';
import { LOGGER } from '@parley/service-runtime';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** A 400: a field of the request that does not parse. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** A 422: a field whose value a platform refused (a bad secret, a missing scope or role). */
export interface RefusedField {
  readonly field: string;
  readonly reason: string;
}

/** RFC 9457 problem details, the body of every error the gateway answers. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly errors?: readonly (FieldError | RefusedField)[];
  /** Extension members of a specific problem type, e.g. `activeSyncId` of a sync conflict. */
  readonly [extension: string]: unknown;
}

/** Problem types the gateway defines; anything else is `about:blank` (the status code says it all). */
export const problemTypes = {
  invalidRequest: 'urn:parley:problem:invalid-request',
  unauthorized: 'urn:parley:problem:unauthorized',
  /** A platform refused the credentials of a connection: `errors` names each field with the reason. */
  connectionRefused: 'urn:parley:problem:connection-refused',
  /** Another Parley service did not answer, or answered something the gateway cannot use. */
  serviceUnavailable: 'urn:parley:problem:service-unavailable',
  notFound: 'about:blank',
} as const;

/** Members every problem has; an extension may not overwrite them. */
const RESERVED_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'instance', 'errors']);

/** An error the gateway means to answer with: its detail is written for the API's caller and is safe to show. */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    readonly detail: string,
    readonly problemType = 'about:blank',
    readonly errors?: readonly (FieldError | RefusedField)[],
    readonly extensions: Readonly<Record<string, string | number | boolean>> = {},
  ) {
    super(detail, status);
  }
}

export function notFound(what = 'resource'): ProblemException {
  return new ProblemException(404, `No such ${what}.`);
}

export function unauthorized(detail = 'Send an API key as `Authorization: Bearer <key>`.'): ProblemException {
  return new ProblemException(401, detail, problemTypes.unauthorized);
}

/**
 * Details for errors that did not come from gateway code (unknown routes, body-parser errors, anything thrown).
 * Their messages are not used: a JSON parse error quotes the body it failed on, which may hold a secret.
 */
const genericDetails: Readonly<Record<number, string>> = {
  400: 'The request could not be read (is the body valid JSON?).',
  404: 'No such resource.',
  405: 'Method not allowed.',
  413: 'The request body is too large.',
  415: 'Send the body as application/json.',
};

/** Maps any error to problem details; the instance is the request path without its query string. */
export function toProblem(exception: unknown, request: { method?: string; originalUrl?: string; url?: string }): ProblemDetails {
  const path = (request.originalUrl ?? request.url ?? '/').split('?')[0] as string;
  if (exception instanceof ProblemException) {
    const status = exception.getStatus();
    const extensions = Object.fromEntries(Object.entries(exception.extensions).filter(([key]) => !RESERVED_MEMBERS.has(key)));
    return {
      ...extensions,
      type: exception.problemType,
      title: titleOf(status),
      status,
      detail: exception.detail,
      instance: path,
      ...(exception.errors && exception.errors.length > 0 ? { errors: exception.errors } : {}),
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const detail =
      status === 404 ? `No route matches ${request.method ?? 'GET'} ${path}.` : (genericDetails[status] ?? `${titleOf(status)}.`);
    return { type: 'about:blank', title: titleOf(status), status, detail, instance: path };
  }
  return { type: 'about:blank', title: titleOf(500), status: 500, detail: 'An unexpected error occurred; it has been logged.', instance: path };
}

function titleOf(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

/**
 * The gateway's global exception filter: every HTTP error, including unknown routes and body-parser failures, is
 * answered as `application/problem+json`. Errors of bus handlers pass through unchanged, as the runtime's own
 * filter does, because the bus decides retry or dead letter from the original error.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    if (host.getType() !== 'http') return throwError(() => exception);
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const problem = toProblem(exception, request);
    if (problem.status >= 500) {
      this.logger.error({ err: exception, method: request.method, path: problem.instance }, 'request failed');
    }
    if (response.headersSent) return;
    if (problem.status === 401) response.setHeader('WWW-Authenticate', 'Bearer');
    response.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  }
}

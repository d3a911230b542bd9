import { STATUS_CODES } from 'node:http';
import { Catch, HttpException, Injectable, type ArgumentsHost, type ExceptionFilter, type PipeTransform, type Provider } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { Request, Response } from 'express';
import { throwError, type Observable } from 'rxjs';
import type { z } from 'zod';
import type { Logger } from '@parley/observability';
import { LOGGER } from '../tokens';
import { requestIdsOf } from './request-context';
import { isTransientFailure } from '@parley/messaging';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
/** A request that does not parse; its `errors` name each bad field. */
export const INVALID_REQUEST_PROBLEM = 'urn:parley:problem:invalid-request';

/** One entry of a problem's `errors`: the field at fault, named by its path as sent (`teamOwner.password`, `teamIds.0`). */
export interface FieldProblem {
  readonly field: string;
}

/** A 400's entry: a field that does not parse, and why. */
export interface FieldError extends FieldProblem {
  readonly message: string;
}

/** Extension members of a problem type (RFC 9457 §3.2), e.g. `activeSyncId` of a sync conflict: plain values only. */
export type ProblemExtensions = Readonly<Record<string, string | number | boolean>>;

/** RFC 9457 problem details, the body of every HTTP error a service answers. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  /** The request path, without its query string. */
  readonly instance: string;
  readonly errors?: readonly FieldProblem[];
  /** The id of the request this answers (also its `X-Request-Id`): what an admin quotes, and what finds its log lines. */
  readonly requestId?: string;
  readonly [extension: string]: unknown;
}

/**
 * An error a service means to answer with: its detail is written for the caller and is safe to show. `errors` names
 * the fields at fault (a 400's `FieldError`s, or entries of a service's own kind, e.g. the gateway's refused fields).
 */
export class ProblemException<E extends FieldProblem = FieldProblem> extends HttpException {
  constructor(
    status: number,
    readonly detail: string,
    readonly problemType = 'about:blank',
    readonly errors?: readonly E[],
    readonly extensions: ProblemExtensions = {},
  ) {
    super(detail, status);
  }
}

export function notFound(what = 'resource'): ProblemException {
  return new ProblemException(404, `No such ${what}.`);
}

/** Members every problem has; an extension may not overwrite them. */
const RESERVED_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'instance', 'errors', 'requestId']);

/**
 * Details for errors a service did not write (body-parser failures, Nest's own exceptions, guards), by status.
 * Their messages are never used: a JSON parse error quotes the body it failed on, which may hold a secret.
 */
export type GenericDetails = Readonly<Record<number, string>>;

export const commonGenericDetails: GenericDetails = {
  400: 'The request could not be read (is the body valid JSON?).',
  404: 'No such resource.',
  413: 'The request body is too large.',
};

const UNEXPECTED = 'An unexpected error occurred; it has been logged.';
const UNAVAILABLE = 'A service this one depends on is unavailable for a moment; send the request again.';

/**
 * Maps any error to problem details. A ProblemException keeps its detail, type, errors and extensions; any other
 * HttpException gets the generic detail of its status, the service's own (`serviceDetails`) before the common ones
 * (a 404 names the unmatched route); anything else is a 500 that shows nothing of the error.
 */
export function toProblem(
  exception: unknown,
  request: { method?: string; originalUrl?: string; url?: string },
  serviceDetails: GenericDetails = {},
): ProblemDetails {
  const instance = (request.originalUrl ?? request.url ?? '/').split('?')[0] as string;
  if (exception instanceof ProblemException) {
    const status = exception.getStatus();
    const extensions = Object.fromEntries(Object.entries(exception.extensions).filter(([key]) => !RESERVED_MEMBERS.has(key)));
    return {
      ...extensions,
      type: exception.problemType,
      title: titleOf(status),
      status,
      detail: exception.detail,
      instance,
      ...(exception.errors && exception.errors.length > 0 ? { errors: exception.errors } : {}),
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const detail = isUnmatchedRoute(exception, request.method)
      ? `No route matches ${request.method ?? 'GET'} ${instance}.`
      : (serviceDetails[status] ?? commonGenericDetails[status] ?? `${titleOf(status)}.`);
    return { type: 'about:blank', title: titleOf(status), status, detail, instance };
  }
  const clientError = clientErrorStatus(exception);
  if (clientError !== undefined) {
    return { type: 'about:blank', title: titleOf(clientError), status: clientError, detail: serviceDetails[clientError] ?? commonGenericDetails[clientError] ?? `${titleOf(clientError)}.`, instance };
  }
  // Its database, Redis or a peer restarting: the caller's retry will do (internal callers treat a 503 as transient,
  // the platforms send their callbacks again), where a 500 reads as the request's own fault.
  if (isTransientFailure(exception)) return { type: 'about:blank', title: titleOf(503), status: 503, detail: UNAVAILABLE, instance };
  return { type: 'about:blank', title: titleOf(500), status: 500, detail: UNEXPECTED, instance };
}

/**
 * The body parser's refusals (a body over the limit, an unsupported charset, an aborted upload) reach the filter as
 * plain errors in the http-errors shape: a 4xx `status` meant to be shown (`expose`). They are the caller's fault and
 * keep their status; anything else without a status stays a 500.
 */
function clientErrorStatus(exception: unknown): number | undefined {
  if (!exception || typeof exception !== 'object') return undefined;
  const { status, statusCode, expose } = exception as { status?: unknown; statusCode?: unknown; expose?: unknown };
  const code = typeof status === 'number' ? status : statusCode;
  return expose === true && typeof code === 'number' && Number.isInteger(code) && code >= 400 && code < 500 ? code : undefined;
}

/**
 * Nest's own 404 for a request no route matches (`Cannot GET /x`), as opposed to a NotFoundException a handler threw:
 * the gateway reads "No route matches" from a peer as a version mismatch, not as a missing resource.
 */
function isUnmatchedRoute(exception: HttpException, method: string | undefined): boolean {
  return exception.getStatus() === 404 && exception.message.startsWith(`Cannot ${method ?? 'GET'} `);
}

function titleOf(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

export interface ProblemDetailsOptions {
  /** The service's own generic details, over `commonGenericDetails` (e.g. how to send the internal token on a 401). */
  readonly genericDetails?: GenericDetails;
}

/**
 * Answers every HTTP error, unknown routes and body-parser failures included, as `application/problem+json` with
 * the request's id (`requestId`, set by the runtime's request-context middleware), and logs the 5xx ones. Errors
 * of bus handlers pass through unchanged: the bus decides retry or dead letter from the original error. The runtime
 * registers it for every service (`startService`, with the definition's `problemDetails`); a feature module does not.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly options: ProblemDetailsOptions = {},
  ) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    if (host.getType() !== 'http') return throwError(() => exception);
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const requestId = requestIdsOf(request)?.requestId;
    const problem: ProblemDetails = { ...toProblem(exception, request, this.options.genericDetails), ...(requestId ? { requestId } : {}) };
    if (problem.status >= 500) {
      // Name, message and stack only: a driver error's enumerable fields carry the query and its parameters.
      const error = exception instanceof Error ? { name: exception.name, message: exception.message, stack: exception.stack } : { message: String(exception) };
      this.logger.error({ error, method: request.method, path: problem.instance }, 'request failed');
    }
    if (response.headersSent) return;
    if (problem.status === 401) response.setHeader('WWW-Authenticate', 'Bearer');
    response.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  }
}

/** The app-wide provider of the filter: the runtime's, for every service. */
export function problemDetailsFilter(options: ProblemDetailsOptions = {}): Provider {
  return { provide: APP_FILTER, useFactory: (logger: Logger) => new ProblemDetailsFilter(logger, options), inject: [LOGGER] };
}

/**
 * One entry per bad field, named by its path (`name`, `members.0.email`); unknown fields get one entry each.
 * zod 4 does not put the input into its messages, so nothing the caller sent (a secret, say) is echoed back.
 */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ field: path ? `${path}.${key}` : key, message: 'unknown field' }));
    return [{ field: path || '(body)', message: issue.message }];
  });
}

/** Parses a value with a zod schema or throws a 400 problem naming each bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what = 'request body'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = fieldErrors(result.error);
  throw new ProblemException(400, `The ${what} is invalid: ${errors.map((e) => e.field).join(', ')}.`, INVALID_REQUEST_PROBLEM, errors);
}

/** `@Body(new ZodValidationPipe(schema))`, `@Query(new ZodValidationPipe(schema, 'query'))`: the handler gets the parsed value. */
@Injectable()
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    private readonly what = 'request body',
  ) {}

  transform(value: unknown): z.output<S> {
    return parseOrThrow(this.schema, value, this.what);
  }
}

import { STATUS_CODES } from 'node:http';
import { Catch, HttpException, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { throwError, type Observable } from 'rxjs';
import type { z } from 'zod';
import type { Logger } from '@parley/observability';
import { LOGGER } from '@parley/service-runtime';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const INVALID_REQUEST_PROBLEM = 'urn:parley:problem:invalid-request';

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** An error answered as RFC 9457 problem details; `extensions` become extra members (e.g. `activeSyncId`). */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    readonly detail: string,
    readonly problemType = 'about:blank',
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(detail, status);
  }
}

/** One entry per bad field, named by its path; zod 4 does not echo the input, so nothing sent is repeated back. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ field: path ? `${path}.${key}` : key, message: 'unknown field' }));
    return [{ field: path || '(body)', message: issue.message }];
  });
}

/** Parses with a zod schema or throws a 400 problem naming each bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = fieldErrors(result.error);
  throw new ProblemException(400, `The ${what} is invalid: ${errors.map((e) => e.field).join(', ')}.`, INVALID_REQUEST_PROBLEM, { errors });
}

/** Messages of errors not raised by this service are not shown: a JSON parse error quotes the body it failed on. */
const genericDetails: Readonly<Record<number, string>> = {
  400: 'The request could not be read (is the body valid JSON?).',
  401: 'Internal API: send the internal token as `Authorization: Bearer <token>`.',
  404: 'No such resource.',
  413: 'The request body is too large.',
};

/**
 * Every HTTP error of provisioning's internal API as `application/problem+json`. Bus handler errors pass through
 * unchanged: the bus decides retry or dead letter from the original error.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    if (host.getType() !== 'http') return throwError(() => exception);
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const instance = (request.originalUrl ?? request.url ?? '/').split('?')[0] as string;
    let body: Record<string, unknown>;
    if (exception instanceof ProblemException) {
      const status = exception.getStatus();
      body = { type: exception.problemType, title: titleOf(status), status, detail: exception.detail, instance, ...exception.extensions };
    } else if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const detail = status === 404 ? `No route matches ${request.method} ${instance}.` : (genericDetails[status] ?? `${titleOf(status)}.`);
      body = { type: 'about:blank', title: titleOf(status), status, detail, instance };
    } else {
      this.logger.error({ err: exception, method: request.method, path: instance }, 'request failed');
      body = { type: 'about:blank', title: titleOf(500), status: 500, detail: 'An unexpected error occurred; it has been logged.', instance };
    }
    if (response.headersSent) return;
    if (body['status'] === 401) response.setHeader('WWW-Authenticate', 'Bearer');
    response.status(body['status'] as number).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
  }
}

const titleOf = (status: number): string => STATUS_CODES[status] ?? 'Error';

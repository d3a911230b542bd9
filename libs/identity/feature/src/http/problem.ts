import { STATUS_CODES } from 'node:http';
import { ArgumentsHost, Catch, HttpException, Inject, Injectable, type ExceptionFilter, type PipeTransform } from '@nestjs/common';
import type { Request, Response } from 'express';
import { throwError, type Observable } from 'rxjs';
import type { z } from 'zod';
import type { Logger } from '@parley/observability';
import { LOGGER } from '@parley/service-runtime';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const INVALID_REQUEST_PROBLEM = 'urn:parley:problem:invalid-request';

/** An RFC 9457 problem the internal API means to answer with; `detail` names the field at fault and is safe to show. */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    readonly detail: string,
    readonly problemType = 'about:blank',
    /** Extension members (RFC 9457 §3.2), e.g. `errors` or `reason`. */
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(detail, status);
  }
}

export const notFound = (what: string): ProblemException => new ProblemException(404, `No such ${what}.`);
export const conflict = (detail: string, type = 'about:blank', extensions: Record<string, unknown> = {}): ProblemException =>
  new ProblemException(409, detail, type, extensions);
export const badRequest = (detail: string, field?: string): ProblemException =>
  new ProblemException(400, detail, INVALID_REQUEST_PROBLEM, field ? { errors: [{ field, message: detail }] } : {});

/** One 400 problem naming every bad field (`settings.tenantId`, `limit`); zod 4 messages never echo the input. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors: { field: string; message: string }[] = [];
  for (const issue of result.error.issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) errors.push({ field: base ? `${base}.${key}` : key, message: 'unknown field' });
    } else {
      errors.push({ field: base || '(body)', message: issue.message });
    }
  }
  throw new ProblemException(400, `The ${what} is invalid: ${errors.map((e) => e.field).join(', ')}.`, INVALID_REQUEST_PROBLEM, { errors });
}

/** `@Body(new ZodPipe(schema))` / `@Query(new ZodPipe(schema, 'query'))`. */
@Injectable()
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    private readonly what = 'request body',
  ) {}

  transform(value: unknown): z.output<S> {
    return parseOrThrow(this.schema, value, this.what);
  }
}

/** Messages of errors that did not come from identity's code are not shown: a JSON parse error quotes the body. */
const genericDetails: Readonly<Record<number, string>> = {
  400: 'The request could not be read (is the body valid JSON?).',
  401: 'Send the internal token as `Authorization: Bearer <token>`.',
  413: 'The request body is too large.',
};

/**
 * identity's internal API answers every error as application/problem+json. Errors of bus handlers pass through
 * unchanged (the bus decides retry or dead letter from the original error).
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
    let status = 500;
    let type = 'about:blank';
    let detail = 'An unexpected error occurred; it has been logged.';
    let extensions: Readonly<Record<string, unknown>> = {};
    if (exception instanceof ProblemException) {
      status = exception.getStatus();
      type = exception.problemType;
      detail = exception.detail;
      extensions = exception.extensions;
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      detail = status === 404 ? `No route matches ${request.method} ${instance}.` : (genericDetails[status] ?? `${STATUS_CODES[status] ?? 'Error'}.`);
    }
    if (status >= 500) {
      // Name and message only: a driver error's enumerable fields carry the query parameters.
      const error = exception instanceof Error ? { name: exception.name, message: exception.message, stack: exception.stack } : { message: String(exception) };
      this.logger.error({ error, method: request.method, path: instance }, 'internal request failed');
    }
    if (response.headersSent) return;
    if (status === 401) response.setHeader('WWW-Authenticate', 'Bearer');
    const body = { ...extensions, type, title: STATUS_CODES[status] ?? 'Error', status, detail, instance };
    response.status(status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
  }
}

const ORG_ID = /^org_[A-Za-z0-9]{8,40}$/;

/** `@Param('orgId', OrgIdPipe)`: a malformed org id is a 400 naming `orgId`. */
@Injectable()
export class OrgIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (typeof value !== 'string' || !ORG_ID.test(value)) throw badRequest('orgId: expected an org id like org_XXXXXXXX.', 'orgId');
    return value;
  }
}

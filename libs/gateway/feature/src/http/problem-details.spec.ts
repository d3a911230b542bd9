import { BadRequestException, NotFoundException, PayloadTooLargeException, type ArgumentsHost } from '@nestjs/common';
import { lastValueFrom, type Observable } from 'rxjs';
import type { Logger } from '@parley/observability';
import { ProblemDetailsFilter, ProblemException, problemTypes, toProblem, unauthorized } from './problem-details';

const request = { method: 'POST', originalUrl: '/v1/orgs?token=abc' };

function fakeHttpHost() {
  const sent: { status?: number; type?: string; body?: string; headers: Record<string, string> } = { headers: {} };
  const response = {
    headersSent: false,
    setHeader: (name: string, value: string) => (sent.headers[name] = value),
    status(code: number) {
      sent.status = code;
      return this;
    },
    type(value: string) {
      sent.type = value;
      return this;
    },
    send(body: string) {
      sent.body = body;
      return this;
    },
  };
  const host = {
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
  } as unknown as ArgumentsHost;
  return { host, sent };
}

const logger = { error: jest.fn() } as unknown as Logger;

describe('problem details', () => {
  it('renders a gateway ProblemException with its detail, type and field errors; instance has no query string', () => {
    const problem = toProblem(
      new ProblemException(400, 'The request body is invalid: name.', problemTypes.invalidRequest, [{ field: 'name', message: 'Required' }]),
      request,
    );
    expect(problem).toEqual({
      type: 'urn:parley:problem:invalid-request',
      title: 'Bad Request',
      status: 400,
      detail: 'The request body is invalid: name.',
      instance: '/v1/orgs',
      errors: [{ field: 'name', message: 'Required' }],
    });
  });

  it('names the unmatched route on a 404 from Nest', () => {
    expect(toProblem(new NotFoundException('Cannot GET /nope'), { method: 'GET', originalUrl: '/nope?x=1' })).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'No route matches GET /nope.',
      instance: '/nope',
    });
  });

  it('never repeats the message of an error it did not write (a JSON parse error quotes the body)', () => {
    const parse = new BadRequestException(`Unexpected token 'x', "{"password": "hunter2x"}" is not valid JSON`);
    const problem = toProblem(parse, request);
    expect(problem.status).toBe(400);
    expect(JSON.stringify(problem)).not.toContain('hunter2');
    expect(toProblem(new PayloadTooLargeException('request entity too large'), request).detail).toBe('The request body is too large.');
  });

  it('answers anything else with a 500 that shows no internals', () => {
    const problem = toProblem(new Error('connection to postgres://admin:s3cret@db failed'), request);
    expect(problem).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: 'An unexpected error occurred; it has been logged.',
      instance: '/v1/orgs',
    });
  });

  it('writes application/problem+json, with WWW-Authenticate on a 401', () => {
    const { host, sent } = fakeHttpHost();
    new ProblemDetailsFilter(logger).catch(unauthorized(), host);
    expect(sent.status).toBe(401);
    expect(sent.type).toBe('application/problem+json');
    expect(sent.headers['WWW-Authenticate']).toBe('Bearer');
    expect(JSON.parse(sent.body as string)).toMatchObject({ status: 401, title: 'Unauthorized', type: problemTypes.unauthorized });
  });

  it('logs 500s (the log keeps the cause, the response does not)', () => {
    const { host, sent } = fakeHttpHost();
    const error = new Error('boom');
    new ProblemDetailsFilter(logger).catch(error, host);
    expect(sent.status).toBe(500);
    expect(logger.error).toHaveBeenCalledWith(expect.objectContaining({ err: error, path: '/v1/orgs' }), 'request failed');
    expect(sent.body).not.toContain('boom');
  });

  it('passes errors of bus handlers through unchanged, so the bus can retry or dead-letter them', async () => {
    const error = new Error('handler failed');
    const host = { getType: () => 'rpc' } as unknown as ArgumentsHost;
    const result = new ProblemDetailsFilter(logger).catch(error, host) as Observable<never>;
    await expect(lastValueFrom(result)).rejects.toBe(error);
  });
});

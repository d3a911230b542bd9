import { BadRequestException, Body, Controller, Get, HttpException, type INestApplication, Module, NotFoundException, PayloadTooLargeException, Post, Query, UnauthorizedException, type ArgumentsHost } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { lastValueFrom, type Observable } from 'rxjs';
import { z } from 'zod';
import type { Logger } from '@parley/observability';
import { thrownBy } from '@parley/testing';
import { LOGGER } from '../tokens';
import {
  INVALID_REQUEST_PROBLEM,
  notFound,
  parseOrThrow,
  ProblemDetailsFilter,
  problemDetailsFilter,
  ProblemException,
  toProblem,
  ZodValidationPipe,
} from './problem-details';

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

const problemOf = (fn: () => unknown): ProblemException => thrownBy(fn, ProblemException);

describe('problem details', () => {
  const logger = { error: jest.fn() } as unknown as Logger & { error: jest.Mock };
  beforeEach(() => logger.error.mockClear());

  it('renders a ProblemException with its detail, type and field errors; instance has no query string', () => {
    const problem = toProblem(new ProblemException(400, 'The request body is invalid: name.', INVALID_REQUEST_PROBLEM, [{ field: 'name', message: 'Required' }]), request);
    expect(problem).toEqual({
      type: 'urn:parley:problem:invalid-request',
      title: 'Bad Request',
      status: 400,
      detail: 'The request body is invalid: name.',
      instance: '/v1/orgs',
      errors: [{ field: 'name', message: 'Required' }],
    });
  });

  it('adds extension members, but never over the members every problem has, and leaves out an empty errors list', () => {
    const problem = toProblem(
      new ProblemException(409, 'A sync is running.', 'urn:parley:problem:sync-conflict', [], { activeSyncId: 'abc', status: 200, type: 'x', detail: 'leak', requestId: 'forged' }),
      request,
    );
    expect(problem).toEqual({ activeSyncId: 'abc', type: 'urn:parley:problem:sync-conflict', title: 'Conflict', status: 409, detail: 'A sync is running.', instance: '/v1/orgs' });
    expect(toProblem(notFound('person'), request)).toEqual({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'No such person.', instance: '/v1/orgs' });
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

  it("answers a NotFoundException a handler threw as a missing resource, not a missing route, without its message", () => {
    const problem = toProblem(new NotFoundException('Cannot find thing 7 in table things_s3cret'), { method: 'GET', originalUrl: '/internal/things/7' });
    expect(problem).toEqual({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'No such resource.', instance: '/internal/things/7' });
  });

  it('never repeats the message of an error it did not write (a JSON parse error quotes the body)', () => {
    const parse = new BadRequestException(`Unexpected token 'x', "{"password": "hunter2x"}" is not valid JSON`);
    const problem = toProblem(parse, request);
    expect(problem).toMatchObject({ status: 400, detail: 'The request could not be read (is the body valid JSON?).' });
    expect(JSON.stringify(problem)).not.toContain('hunter2');
    expect(toProblem(new PayloadTooLargeException('request entity too large'), request).detail).toBe('The request body is too large.');
    // What the body parser itself throws for a body over its limit: a plain error in the http-errors shape.
    const tooLarge = Object.assign(new Error('request entity too large'), { status: 413, statusCode: 413, expose: true, type: 'entity.too.large' });
    expect(toProblem(tooLarge, request)).toMatchObject({ status: 413, title: 'Payload Too Large', detail: 'The request body is too large.' });
    // A status that is not meant to be shown, or not a client's fault, stays an unexpected error.
    expect(toProblem(Object.assign(new Error('boom'), { status: 413 }), request).status).toBe(500);
    expect(toProblem(Object.assign(new Error('boom'), { status: 500, expose: true }), request).status).toBe(500);
  });

  it('answers 503 when what the service depends on is restarting (its database, Redis, a peer), showing nothing of it', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const shuttingDown = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    const peer = Object.assign(new Error('identity answered 503'), { status: 503 });
    for (const error of [refused, shuttingDown, peer, new Error('query failed', { cause: refused })]) {
      const problem = toProblem(error, request);
      expect(problem).toMatchObject({ status: 503, title: 'Service Unavailable' });
      expect(JSON.stringify(problem)).not.toMatch(/5432|ECONNREFUSED|administrator|identity/);
    }
    expect(toProblem(new Error('a bug'), request).status).toBe(500);
  });

  it("uses a service's own generic details over the common ones, and the status's name otherwise", () => {
    const details = { 401: 'Send the internal token.', 400: 'Not JSON.' };
    expect(toProblem(new BadRequestException('secret'), request, details).detail).toBe('Not JSON.');
    expect(toProblem(new BadRequestException('secret'), request, { 401: 'Send the internal token.' }).detail).toBe('The request could not be read (is the body valid JSON?).');
    expect(toProblem(new HttpException('short and stout', 418), request, details).detail).toBe("I'm a Teapot.");
  });

  it('answers anything else, a stray ZodError included, with a 500 that shows no internals', () => {
    const internal = z.object({ password: z.string() }).safeParse({ password: 42 });
    for (const error of [new Error('connection to postgres://admin:s3cret@db failed'), internal.error, 'a string']) {
      expect(toProblem(error, request)).toEqual({
        type: 'about:blank',
        title: 'Internal Server Error',
        status: 500,
        detail: 'An unexpected error occurred; it has been logged.',
        instance: '/v1/orgs',
      });
    }
  });

  it("writes application/problem+json, with WWW-Authenticate on a 401; the filter adds the service's details to the common ones", () => {
    const filter = new ProblemDetailsFilter(logger, { genericDetails: { 401: 'Send the internal token.' } });
    const guard = fakeHttpHost();
    filter.catch(new UnauthorizedException('internal API: missing or wrong internal token'), guard.host);
    expect(guard.sent).toEqual({
      status: 401,
      type: 'application/problem+json',
      headers: { 'WWW-Authenticate': 'Bearer' },
      body: JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'Send the internal token.', instance: '/v1/orgs' }),
    });
    const unreadable = fakeHttpHost();
    filter.catch(new BadRequestException('Unexpected token'), unreadable.host);
    expect(JSON.parse(unreadable.sent.body as string)).toMatchObject({ status: 400, detail: 'The request could not be read (is the body valid JSON?).' });
    expect(unreadable.sent.headers).toEqual({});
    expect(logger.error).not.toHaveBeenCalled();
  });

  it("logs 5xx with the error's name, message and stack only (a driver error's own fields carry query parameters)", () => {
    const { host, sent } = fakeHttpHost();
    const error = Object.assign(new Error('boom'), { parameters: ['hunter2'] });
    new ProblemDetailsFilter(logger).catch(error, host);
    expect(sent.status).toBe(500);
    expect(sent.body).not.toContain('boom');
    expect(logger.error).toHaveBeenCalledWith({ error: { name: 'Error', message: 'boom', stack: error.stack }, method: 'POST', path: '/v1/orgs' }, 'request failed');
    expect(JSON.stringify(logger.error.mock.calls)).not.toContain('hunter2');
  });

  it('passes errors of bus handlers through unchanged, so the bus can retry or dead-letter them', async () => {
    const error = new Error('handler failed');
    const host = { getType: () => 'rpc' } as unknown as ArgumentsHost;
    const result = new ProblemDetailsFilter(logger).catch(error, host) as Observable<never>;
    await expect(lastValueFrom(result)).rejects.toBe(error);
  });
});

describe('request validation', () => {
  const CreateOrg = z.strictObject({ name: z.string().trim().min(1) });
  const pipe = new ZodValidationPipe(CreateOrg);

  it('returns the parsed value', () => {
    expect(pipe.transform({ name: '  Acme  ' })).toEqual({ name: 'Acme' });
  });

  it('answers 400 naming a missing or mistyped field', () => {
    const missing = problemOf(() => pipe.transform({}));
    expect(missing.getStatus()).toBe(400);
    expect(missing.problemType).toBe(INVALID_REQUEST_PROBLEM);
    expect(missing.errors).toEqual([{ field: 'name', message: expect.any(String) }]);
    expect(missing.detail).toBe('The request body is invalid: name.');
    expect(problemOf(() => pipe.transform({ name: 42 })).errors?.map((e) => e.field)).toEqual(['name']);
    expect(problemOf(() => pipe.transform({ name: '   ' })).errors?.map((e) => e.field)).toEqual(['name']);
    expect(problemOf(() => new ZodValidationPipe(CreateOrg, 'query').transform({})).detail).toBe('The query is invalid: name.');
  });

  it('rejects unknown fields, one entry each, at any depth', () => {
    expect(problemOf(() => pipe.transform({ name: 'Acme', plan: 'gold', owner: 'x' })).errors).toEqual([
      { field: 'plan', message: 'unknown field' },
      { field: 'owner', message: 'unknown field' },
    ]);
    const nested = z.strictObject({ owner: z.strictObject({ name: z.string() }) });
    expect(problemOf(() => parseOrThrow(nested, { owner: { name: 'a', mfa: '1' } })).errors).toEqual([{ field: 'owner.mfa', message: 'unknown field' }]);
  });

  it('names nested fields by path and a missing body as (body)', () => {
    const schema = z.strictObject({ members: z.array(z.strictObject({ email: z.email() })) });
    expect(problemOf(() => parseOrThrow(schema, { members: [{ email: 'a@b.co' }, { email: 'nope' }] })).errors).toEqual([
      { field: 'members.1.email', message: expect.any(String) },
    ]);
    expect(problemOf(() => parseOrThrow(schema, undefined)).errors).toEqual([{ field: '(body)', message: expect.any(String) }]);
  });

  it('does not echo what was sent', () => {
    const schema = z.strictObject({ clientSecret: z.string().min(40) });
    const problem = problemOf(() => parseOrThrow(schema, { clientSecret: 'sup3r-s3cret-value' }));
    expect(JSON.stringify({ detail: problem.detail, errors: problem.errors })).not.toContain('sup3r');
  });
});

describe('problemDetailsFilter() in a Nest app', () => {
  @Controller('things')
  class ThingsController {
    @Post()
    create(@Body(new ZodValidationPipe(z.strictObject({ name: z.string() }))) body: { name: string }): { name: string } {
      return body;
    }

    @Get()
    list(@Query(new ZodValidationPipe(z.object({ limit: z.coerce.number().int().max(10) }), 'query')) query: { limit: number }): { limit: number } {
      if (query.limit === 7) throw new Error('select failed with parameter hunter2');
      return query;
    }
  }

  const logger = { error: jest.fn() } as unknown as Logger & { error: jest.Mock };

  @Module({
    controllers: [ThingsController],
    providers: [{ provide: LOGGER, useValue: logger }, problemDetailsFilter({ genericDetails: { 401: 'Send the token.' } })],
  })
  class ThingsModule {}

  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    app = await NestFactory.create(ThingsModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });

  afterAll(() => app.close());

  const call = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${url}${path}`, init);
    return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> };
  };
  const post = (body: string) => call('/things', { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('answers bad fields, unreadable bodies, unknown routes and failures as problems', async () => {
    expect(await post('{"name":"a"}')).toMatchObject({ status: 201, body: { name: 'a' } });
    expect(await post('{"nam":"a"}')).toEqual({
      status: 400,
      type: expect.stringMatching(/^application\/problem\+json/),
      body: {
        type: INVALID_REQUEST_PROBLEM,
        title: 'Bad Request',
        status: 400,
        detail: 'The request body is invalid: name, nam.',
        instance: '/things',
        errors: [
          { field: 'name', message: expect.any(String) },
          { field: 'nam', message: 'unknown field' },
        ],
      },
    });
    const unreadable = await post('{"name": "s3cr3t');
    expect(unreadable).toMatchObject({ status: 400, body: { detail: 'The request could not be read (is the body valid JSON?).' } });
    expect(JSON.stringify(unreadable)).not.toContain('s3cr3t');
    expect(await call('/things?limit=11')).toMatchObject({ status: 400, body: { detail: 'The query is invalid: limit.', errors: [{ field: 'limit' }] } });
    expect(await call('/nowhere?x=1')).toMatchObject({ status: 404, body: { detail: 'No route matches GET /nowhere.', instance: '/nowhere' } });
    const failed = await call('/things?limit=7');
    expect(failed).toMatchObject({ status: 500, body: { detail: 'An unexpected error occurred; it has been logged.' } });
    expect(JSON.stringify(failed)).not.toContain('hunter2');
    expect(logger.error).toHaveBeenCalledTimes(1);
  });
});

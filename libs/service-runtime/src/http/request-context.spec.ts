import { Writable } from 'node:stream';
import { Body, Controller, Get, type INestApplication, Inject, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Secret } from '@parley/config';
import { createLogger, type Logger } from '@parley/observability';
import { InternalApiAccess } from '../internal-api';
import { LOGGER } from '../tokens';
import { problemDetailsFilter, ProblemException } from './problem-details';
import { checkIncomingId, MAX_ID_LENGTH, outgoingContextHeaders, requestContextMiddleware } from './request-context';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const INTERNAL_TOKEN = 'i'.repeat(40);

describe('checkIncomingId', () => {
  it('takes UUIDs, ULIDs and load-balancer style ids as they are', () => {
    for (const id of ['0b7e6f6a-3f1e-4c43-9a55-2d1f0c6b8e11', '01HZX3J5K8M9N0P1Q2R3S4T5V6', 'Root=1-67891233-abcdef012345678912345678', 'a', 'x'.repeat(MAX_ID_LENGTH)]) {
      expect(checkIncomingId(id)).toEqual({ id });
    }
  });

  it('refuses empty, over-long, repeated and unsafe values, saying why', () => {
    expect(checkIncomingId(undefined)).toEqual({ absent: true });
    expect(checkIncomingId('')).toEqual({ rejected: 'empty' });
    expect(checkIncomingId('x'.repeat(MAX_ID_LENGTH + 1))).toEqual({ rejected: `longer than ${MAX_ID_LENGTH} characters` });
    expect(checkIncomingId(['a', 'b'])).toEqual({ rejected: 'sent more than once' });
    // Node joins a repeated header with ", ".
    for (const unsafe of ['a, b', 'id\nforged', 'id with spaces', '<script>', 'é', '"quoted"']) expect(checkIncomingId(unsafe)).toHaveProperty('rejected');
  });
});

@Controller('things')
class ThingsController {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  @Post()
  async create(@Body() body: { name?: string }): Promise<Record<string, string>> {
    // After the body parser and an await: the context must have survived both.
    await new Promise((resolve) => setImmediate(resolve));
    this.logger.info({ name: body.name }, 'creating a thing');
    if (body.name === 'taken') throw new ProblemException(409, 'That name is taken.', 'urn:parley:problem:taken', [], { requestId: 'forged' });
    return outgoingContextHeaders();
  }

  @Get('slow')
  async slow(): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return 'too late';
  }

  @Get()
  peers(): Record<string, string> {
    return outgoingContextHeaders();
  }
}

describe('request context in a Nest app', () => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    service: 'identity',
    level: 'debug',
    format: 'json',
    destination: new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    }),
  });
  const access = new InternalApiAccess(new Secret(INTERNAL_TOKEN), {});

  @Module({ controllers: [ThingsController], providers: [{ provide: LOGGER, useValue: logger }, problemDetailsFilter()] })
  class ThingsModule {}

  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    app = await NestFactory.create(ThingsModule, { logger: false });
    app.use(requestContextMiddleware({ logger, fromPeer: (authorization) => access.isPeer(authorization) }));
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(() => app.close());
  beforeEach(() => lines.splice(0));

  const post = (name: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/things`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ name }) });
  /** The request log line is written when the response finishes, which may be just after the client has it. */
  const handledLine = async (requestId: string) => {
    for (let i = 0; i < 100; i++) {
      const line = lines.find((l) => l['msg'] === 'request handled' && l['requestId'] === requestId);
      if (line) return line;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no request line for ${requestId}: ${JSON.stringify(lines)}`);
  };

  it('gives every request an id, answers it in X-Request-Id, and writes it on every line of the handling', async () => {
    const response = await post('widget');
    const requestId = response.headers.get('x-request-id') as string;
    expect(requestId).toMatch(UUID);
    // The edge starts the work: its correlation id is the request id, and internal calls made now carry both.
    expect(await response.json()).toEqual({ 'x-request-id': requestId, 'x-correlation-id': requestId });
    expect(lines.find((l) => l['msg'] === 'creating a thing')).toMatchObject({ requestId, correlationId: requestId, name: 'widget' });
    expect(await handledLine(requestId)).toMatchObject({ level: 'info', method: 'POST', path: '/things', status: 201, correlationId: requestId, durationMs: expect.any(Number) });
    const other = await post('gadget');
    expect(other.headers.get('x-request-id')).not.toBe(requestId);
  });

  it('puts the request id in the problem document, where an extension cannot overwrite it', async () => {
    const response = await post('taken', { 'x-request-id': 'admin-quotes-this-1' });
    expect(response.status).toBe(409);
    expect(response.headers.get('x-request-id')).toBe('admin-quotes-this-1');
    expect(await response.json()).toMatchObject({ status: 409, detail: 'That name is taken.', requestId: 'admin-quotes-this-1' });
    expect(lines.find((l) => l['msg'] === 'creating a thing')).toMatchObject({ requestId: 'admin-quotes-this-1' });
    expect(await handledLine('admin-quotes-this-1')).toMatchObject({ level: 'info', status: 409 });
  });

  it('gives unknown routes and unreadable bodies a request id too', async () => {
    const missing = await fetch(`${url}/nowhere`, { headers: { 'x-request-id': 'lost-1' } });
    expect(await missing.json()).toMatchObject({ status: 404, requestId: 'lost-1' });
    const unreadable = await fetch(`${url}/things`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'garbled-1' }, body: '{"name": ' });
    expect(await unreadable.json()).toMatchObject({ status: 400, requestId: 'garbled-1' });
  });

  it('makes a new id for an unusable one and says why at debug, without repeating what was sent', async () => {
    const response = await post('widget', { 'x-request-id': 'not ok<script>' });
    const requestId = response.headers.get('x-request-id') as string;
    expect(requestId).toMatch(UUID);
    const ignored = lines.find((l) => l['msg'] === 'ignored the request id sent, made a new one');
    expect(ignored).toMatchObject({ level: 'debug', requestId, header: 'X-Request-Id', reason: expect.stringContaining('characters') });
    expect(JSON.stringify(lines)).not.toContain('<script>');
  });

  it("adopts a peer's correlation id (and request id), and nobody else's", async () => {
    const asPeer = await fetch(`${url}/things`, { headers: { authorization: `Bearer ${INTERNAL_TOKEN}`, 'x-request-id': 'gw-req-1', 'x-correlation-id': 'work-1' } });
    expect(await asPeer.json()).toEqual({ 'x-request-id': 'gw-req-1', 'x-correlation-id': 'work-1' });
    const asStranger = await fetch(`${url}/things`, { headers: { authorization: 'Bearer someone-else', 'x-request-id': 'ext-1', 'x-correlation-id': 'work-1' } });
    expect(await asStranger.json()).toEqual({ 'x-request-id': 'ext-1', 'x-correlation-id': 'ext-1' });
  });

  it('writes a line when the caller gives up before the answer, with how long it had waited', async () => {
    await expect(fetch(`${url}/things/slow`, { headers: { 'x-request-id': 'impatient-1' }, signal: AbortSignal.timeout(100) })).rejects.toThrow();
    let line: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && !line; i++) {
      line = lines.find((l) => l['requestId'] === 'impatient-1' && String(l['msg']).startsWith('request abandoned'));
      if (!line) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(line).toMatchObject({ level: 'warn', method: 'GET', path: '/things/slow', durationMs: expect.any(Number) });
    // Not counted as handled: no answer went out.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(lines.filter((l) => l['requestId'] === 'impatient-1' && l['msg'] === 'request handled')).toEqual([]);
  });

  it('writes probes at debug, whatever they answer', async () => {
    const probe = await fetch(`${url}/healthz`, { headers: { 'x-request-id': 'probe-1' } });
    expect(probe.status).toBe(404);
    expect(await handledLine('probe-1')).toMatchObject({ level: 'debug', path: '/healthz' });
  });
});

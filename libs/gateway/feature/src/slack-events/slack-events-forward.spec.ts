import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pino from 'pino';
import { Secret } from '@parley/config';
import { INTERNAL_API, InternalApiAccess, LOGGER } from '@parley/service-runtime';
import { SlackEventsForwardController } from './slack-events-forward.controller';

interface Seen {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

// The gateway passes Slack's request to slack-connector (here a stand-in that records it) byte for byte, with
// Slack's headers and nothing else, and passes the answer back.
describe('SlackEventsForwardController', () => {
  let connector: http.Server;
  let app: INestApplication;
  let url: string;
  const seen: Seen[] = [];
  let answer = { status: 200, type: 'application/json', body: '{"challenge":"abc"}' };

  beforeAll(async () => {
    connector = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        seen.push({ path: request.url ?? '', headers: request.headers, body });
        response.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
      });
    });
    await new Promise<void>((resolve) => connector.listen(0, '127.0.0.1', resolve));
    const internalApi = new InternalApiAccess(new Secret('internal-token-for-tests-0123456789abcdef'), {
      'slack-connector': `http://127.0.0.1:${(connector.address() as AddressInfo).port}`,
    });
    @Module({
      controllers: [SlackEventsForwardController],
      providers: [
        { provide: INTERNAL_API, useValue: internalApi },
        { provide: LOGGER, useValue: pino({ level: 'silent' }) },
      ],
    })
    class TestModule {}
    app = await NestFactory.create(TestModule, { logger: false, rawBody: true });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/slack/events`;
  });
  afterAll(async () => {
    await app.close();
    await new Promise<void>((resolve) => connector.close(() => resolve()));
  });

  it("passes the exact bytes and Slack's headers on, and the answer back", async () => {
    // Spacing and key order a JSON round trip would change: the signature covers these bytes.
    const body = '{ "type":"url_verification",  "challenge":"abc", "token":"t" }';
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-slack-signature': 'v0=abc',
        'x-slack-request-timestamp': '1732700000',
        'x-slack-retry-num': '1',
        'x-slack-retry-reason': 'http_timeout',
        authorization: 'Bearer not-for-slack-connector',
        cookie: 'session=1',
      },
      body,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ challenge: 'abc' });
    const forwarded = seen.at(-1);
    expect(forwarded?.path).toBe('/slack/events');
    expect(forwarded?.body).toBe(body);
    expect(forwarded?.headers).toMatchObject({ 'x-slack-signature': 'v0=abc', 'x-slack-request-timestamp': '1732700000', 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    expect(forwarded?.headers['authorization']).toBeUndefined();
    expect(forwarded?.headers['cookie']).toBeUndefined();
  });

  it("passes slack-connector's refusal back as is", async () => {
    answer = { status: 401, type: 'application/problem+json', body: '{"status":401,"detail":"the Slack signature does not match"}' };
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"event_callback"}' });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ detail: 'the Slack signature does not match' });
  });
});

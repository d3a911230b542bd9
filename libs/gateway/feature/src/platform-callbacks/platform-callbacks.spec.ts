import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pino from 'pino';
import { Secret } from '@parley/config';
import { INTERNAL_API, InternalApiAccess, LOGGER } from '@parley/service-runtime';
import { PlatformCallbacksController } from './platform-callbacks.controller';

interface Seen {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

// The gateway passes Slack's request to slack-connector (here a stand-in that records it) byte for byte, with
// Slack's headers and nothing else, and passes the answer back.
describe('PlatformCallbacksController (Slack events)', () => {
  let connector: http.Server;
  let app: INestApplication;
  let url: string;
  let base: string;
  const seen: Seen[] = [];
  let answer = { status: 200, type: 'application/json', body: '{"challenge":"abc"}' };
  /** Bodies the stand-in holds without answering, and when their call was cut (ms after it arrived). */
  const held = new Map<string, number | 'still open'>();
  /** How many times the stand-in has answered 503 to a body marked "unavailable" (its database restarting), up to unavailableTimes. */
  const unavailable = new Map<string, number>();
  let unavailableTimes = 2;

  beforeAll(async () => {
    connector = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        seen.push({ path: request.url ?? '', headers: request.headers, body });
        if (body.includes('"unavailable"') && (unavailable.get(body) ?? 0) < unavailableTimes) {
          unavailable.set(body, (unavailable.get(body) ?? 0) + 1);
          response.writeHead(503, { 'content-type': 'application/problem+json' }).end('{"status":503,"title":"Service Unavailable"}');
          return;
        }
        if (body.includes('"hold"')) {
          const arrived = Date.now();
          held.set(body, 'still open');
          response.on('close', () => held.set(body, Date.now() - arrived));
          return;
        }
        response.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
      });
    });
    await new Promise<void>((resolve) => connector.listen(0, '127.0.0.1', resolve));
    const internalApi = new InternalApiAccess(new Secret('internal-token-for-tests-0123456789abcdef'), {
      'slack-connector': `http://127.0.0.1:${(connector.address() as AddressInfo).port}`,
      'teams-connector': `http://127.0.0.1:${(connector.address() as AddressInfo).port}`,
    });
    @Module({
      controllers: [PlatformCallbacksController],
      providers: [
        { provide: INTERNAL_API, useValue: internalApi },
        { provide: LOGGER, useValue: pino({ level: 'silent' }) },
      ],
    })
    class TestModule {}
    app = await NestFactory.create(TestModule, { logger: false, rawBody: true });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    url = `${base}/slack/events`;
  });
  afterAll(async () => {
    await app.close();
    connector.close();
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

  it("passes Graph's validation handshake and notifications on with their query and exact bytes, and the answer back", async () => {
    answer = { status: 200, type: 'text/plain; charset=utf-8', body: 'token 1' };
    const handshake = await fetch(`${base}/teams/notifications?validationToken=token%201`, { method: 'POST', headers: { 'content-type': 'text/plain' } });
    expect(handshake.status).toBe(200);
    expect(await handshake.text()).toBe('token 1');
    expect(seen.at(-1)?.path).toBe('/teams/notifications?validationToken=token%201');

    answer = { status: 202, type: 'text/plain', body: '' };
    const body = '{ "value": [ { "subscriptionId": "s1", "clientState": "c" } ],  "validationTokens": ["t"] }';
    const notified = await fetch(`${base}/teams/lifecycle`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'req-1', cookie: 'a=1' }, body });
    expect(notified.status).toBe(202);
    expect(seen.at(-1)).toMatchObject({ path: '/teams/lifecycle', body });
    expect(seen.at(-1)?.headers).toMatchObject({ 'x-request-id': 'req-1', 'content-type': 'application/json' });
    expect(seen.at(-1)?.headers['cookie']).toBeUndefined();
  });

  it('passes the call on again when the connection to the connector is refused, once it accepts within the platform\'s wait', async () => {
    answer = { status: 200, type: 'application/json', body: '{"ok":true}' };
    const port = (connector.address() as AddressInfo).port;
    await new Promise<void>((resolve) => connector.close(() => resolve()));
    connector.closeAllConnections?.();
    // A replica coming back (or another one taking the address) a moment later.
    setTimeout(() => connector.listen(port, '127.0.0.1'), 250);
    const before = seen.length;
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"event_callback","event_id":"Ev1"}' });
    expect(response.status).toBe(200);
    expect(seen.slice(before).map((s) => s.body)).toEqual(['{"type":"event_callback","event_id":"Ev1"}']);
  });

  it("passes the call on again when the connector answers 503 (what it needs is restarting), within the platform's wait", async () => {
    answer = { status: 200, type: 'application/json', body: '{"ok":true}' };
    unavailableTimes = 2;
    const body = '{"type":"event_callback","event_id":"unavailable"}';
    const before = seen.length;
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(200);
    expect(seen.slice(before).map((s) => s.body)).toEqual([body, body, body]);
  });

  it('passes a 503 back once the platform would stop waiting, so the platform sends again itself', async () => {
    unavailableTimes = Number.MAX_SAFE_INTEGER;
    const body = '{"value":[],"note":"unavailable"}';
    const started = Date.now();
    const response = await fetch(`${base}/teams/notifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(503);
    // Well inside Graph's and Slack's 3 s.
    expect(Date.now() - started).toBeLessThan(2_900);
    expect(unavailable.get(body)).toBeGreaterThan(2);
  });

  it('stops waiting for the connector once the platform stopped waiting for the gateway', async () => {
    const body = '{"value":[{"subscriptionId":"hold"}]}';
    // Graph gives up on an attempt after 3 s; here after 300 ms (the gateway's own wait for Graph is 10 s).
    await expect(fetch(`${base}/teams/notifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(300) })).rejects.toThrow();
    const deadline = Date.now() + 2_000;
    while (held.get(body) === 'still open' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(held.get(body)).toBeLessThan(1_000);
  });

  it('answers 503 when the connector cannot be reached, so the platform sends again', async () => {
    await new Promise<void>((resolve) => connector.close(() => resolve()));
    connector.closeAllConnections?.();
    const response = await fetch(`${base}/teams/notifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"value":[]}' });
    expect(response.status).toBe(503);
  });
});

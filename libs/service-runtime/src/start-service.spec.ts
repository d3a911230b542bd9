import { Body, Controller, Get, Module, NotFoundException, Param, Post, UseGuards } from '@nestjs/common';
import { EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import pino from 'pino';
import { z } from 'zod';
import { Secret } from '@parley/config';
import type { Payload } from '@parley/contracts';
import { InProcessBroker, InProcessBus } from '@parley/messaging';
import { ServiceMetrics } from '@parley/observability';
import type { ServiceInfrastructure } from './infrastructure';
import { PROBLEM_CONTENT_TYPE, ZodValidationPipe } from './http/problem-details';
import { InternalApiAccess, InternalAuthGuard } from './internal-api';
import { startService } from './start-service';

const logger = pino({ level: 'silent' });
const INTERNAL_TOKEN = 'x'.repeat(40);

function fakeInfrastructure(bus: InProcessBus): ServiceInfrastructure {
  const unused = (): never => {
    throw new Error('not used by this test');
  };
  return {
    logger,
    metrics: new ServiceMetrics('identity'),
    bus,
    dataSource: {} as ServiceInfrastructure['dataSource'],
    outbox: {} as ServiceInfrastructure['outbox'],
    outboxRelay: { start: () => undefined, stop: async () => undefined } as unknown as ServiceInfrastructure['outboxRelay'],
    idempotentConsumer: {} as ServiceInfrastructure['idempotentConsumer'],
    cache: {} as ServiceInfrastructure['cache'],
    readiness: { kafka: unused, database: unused, redis: unused },
    close: async () => undefined,
  } as ServiceInfrastructure;
}

/** An internal API as a feature module writes one, with no error handling of its own. */
@Controller('internal/things')
@UseGuards(InternalAuthGuard)
class ThingsController {
  @Get(':id')
  thing(@Param('id') id: string): never {
    throw new NotFoundException(`thing ${id} is not in table things_s3cret`);
  }

  @Post()
  create(@Body(new ZodValidationPipe(z.strictObject({ name: z.string() }))) body: { name: string }): { name: string } {
    return body;
  }

  @Get()
  list(): never {
    throw new Error('connect to postgres://parley:hunter2@db failed');
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

@Controller()
class FailingHandler {
  @EventPattern('parley.directory.user.observed.v1')
  async onObserved(@MessagePayload() observation: Payload<'parley.directory.user.observed.v1'>): Promise<void> {
    throw new Error(`cannot place ${observation.email}`);
  }
}

@Module({ controllers: [FailingHandler] })
class FailingModule {}

// The hybrid app startService builds (HTTP + bus) must apply the runtime's error filter to bus handlers too, or a
// dead letter says "[object Object]" instead of the handler's own reason.
describe('startService', () => {
  it('dead-letters a bus handler failure with the handler\'s own error', async () => {
    const broker = new InProcessBroker(1);
    const bus = new InProcessBus(broker, { service: 'identity', logger, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    const running = await startService({ name: 'identity', module: FailingModule, migrations: [] }, fakeInfrastructure(bus), { host: '127.0.0.1', port: 0 }, {
      internalApi: new InternalApiAccess(new Secret(INTERNAL_TOKEN), {}),
    });
    try {
      await bus.publish('parley.directory.user.observed.v1', {
        orgId: 'org_startservice1',
        platform: 'slack',
        platformUserId: 'U1',
        email: 'ada@example.com',
        displayName: 'Ada',
        isBot: false,
        isDeactivated: false,
        observedAt: new Date().toISOString(),
      });
      await broker.drain();
      expect(broker.deadLettered()[0]?.reason).toBe('Error: cannot place ada@example.com');
    } finally {
      await running.stop();
    }
  });

  // Every service's internal HTTP (connectors, relay, identity, provisioning, and the gateway) gets the one filter
  // from the runtime: a feature module that registers none still answers problem details with the request id.
  it('answers every HTTP error of a service as problem details with the request id, without internals', async () => {
    const bus = new InProcessBus(new InProcessBroker(1), { service: 'relay', logger });
    const running = await startService({ name: 'relay', module: ThingsModule, migrations: [] }, fakeInfrastructure(bus), { host: '127.0.0.1', port: 0 }, {
      internalApi: new InternalApiAccess(new Secret(INTERNAL_TOKEN), {}),
    });
    const call = async (path: string, init: RequestInit = {}, token: string | undefined = INTERNAL_TOKEN) => {
      const headers = new Headers(init.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      const response = await fetch(`${running.url}${path}`, { ...init, headers });
      const text = await response.text();
      return { status: response.status, type: response.headers.get('content-type'), requestId: response.headers.get('x-request-id'), text, body: JSON.parse(text) as Record<string, unknown> };
    };
    const asProblem = (answer: Awaited<ReturnType<typeof call>>, status: number, detail: string | RegExp) => {
      expect(answer.type).toContain(PROBLEM_CONTENT_TYPE);
      expect(answer.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail, instance: expect.stringMatching(/^\/internal\//) });
      expect(answer.body['requestId']).toBe(answer.requestId);
      expect(answer.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(answer.text).not.toMatch(/s3cret|hunter2|\bat .*\.[jt]s:\d+|stack/);
    };
    try {
      asProblem(await call('/internal/nowhere'), 404, 'No route matches GET /internal/nowhere.');
      const unauthorized = await call('/internal/things', {}, 'not-the-token');
      asProblem(unauthorized, 401, 'Internal API: send the internal token as `Authorization: Bearer <token>`.');
      asProblem(await call('/internal/things/7'), 404, 'No such resource.');
      const invalid = await call('/internal/things', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"nam":"x"}' });
      asProblem(invalid, 400, 'The request body is invalid: name, nam.');
      expect(invalid.body['errors']).toEqual([
        { field: 'name', message: expect.any(String) },
        { field: 'nam', message: 'unknown field' },
      ]);
      asProblem(await call('/internal/things', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": "hunter2' }), 400, /could not be read/);
      asProblem(await call('/internal/things'), 500, 'An unexpected error occurred; it has been logged.');
      // A peer's X-Request-Id is kept, so the caller's problem and this service's lines share it.
      const quoted = await call('/internal/things/8', { headers: { 'x-request-id': 'ticket-4711' } });
      expect(quoted.body['requestId']).toBe('ticket-4711');
    } finally {
      await running.stop();
    }
  });
});

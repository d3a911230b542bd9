import { Controller, Get, Inject, Module, UseGuards } from '@nestjs/common';
import { DeadLetterV1 } from '@parley/contracts';
import { InProcessBroker, InProcessBus } from '@parley/messaging';
import { createLogger } from '@parley/observability';
import { InternalAuthGuard, SERVICE_CONFIG, type ServiceDefinition } from '@parley/service-runtime';
import { createFreshDatabase, integrationEnv, queryRows, type FreshDatabase } from '@parley/testing';
import { startServiceInProcess, type InProcessService } from './in-process-service';

@Controller()
class ProbeController {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: Record<string, unknown>) {}

  @Get('internal/probe')
  @UseGuards(InternalAuthGuard)
  probe(): Record<string, unknown> {
    return { config: this.config };
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

const definition: ServiceDefinition = { name: 'relay', module: ProbeModule, migrations: [] };

describe('startServiceInProcess', () => {
  let database: FreshDatabase;
  const started: InProcessService[] = [];

  beforeAll(async () => {
    database = await createFreshDatabase(integrationEnv().databaseUrl, 'parley_inproc');
  });

  afterAll(async () => {
    for (const service of started) await service.stop();
    await database?.drop();
  });

  const probe = (service: InProcessService, token: string) =>
    fetch(`${service.url}/internal/probe`, { headers: { authorization: `Bearer ${token}` } });

  it('serves HTTP on loopback behind a random internal token, in the catalog schema, with the config it was given', async () => {
    const service = await startServiceInProcess(definition, { databaseUrl: database.url, config: { relay: { answer: 42 } } });
    started.push(service);
    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(service.internalToken.length).toBeGreaterThanOrEqual(32);
    expect((await probe(service, 'not-the-token')).status).toBe(401);
    const response = await probe(service, service.internalToken);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ config: { relay: { answer: 42 } } });
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    const schemas = await queryRows<{ schema_name: string }>(database.url, "SELECT schema_name FROM information_schema.schemata WHERE schema_name = 'relay'");
    expect(schemas).toEqual([{ schema_name: 'relay' }]);
    await service.stop();
    await service.stop();
    await expect(fetch(`${service.url}/healthz`)).rejects.toThrow();
  });

  it("uses the test's broker, token, peers and schema", async () => {
    const broker = new InProcessBroker(2);
    const logger = createLogger({ service: 'test', level: 'silent' });
    const seen: string[] = [];
    const observer = new InProcessBus(broker, { service: 'provisioning', logger });
    observer.subscribe('parley.messaging.message.dead-lettered.v1', async (payload) => void seen.push(payload.reason), { group: 'test-observer' });
    await observer.start();
    const service = await startServiceInProcess(definition, {
      databaseUrl: database.url,
      schema: 'relay_custom',
      broker,
      logger,
      internalToken: 'internal-token-chosen-by-the-test-0123456789',
      peers: { identity: 'http://127.0.0.1:9' },
    });
    started.push(service);
    expect(service.broker).toBe(broker);
    expect((await probe(service, 'internal-token-chosen-by-the-test-0123456789')).status).toBe(200);
    expect(service.internalApi.client('identity')).toBeDefined();
    expect(() => service.internalApi.client('teams-connector')).toThrow(/no URL is configured/);
    const [row] = await queryRows<{ n: number }>(database.url, "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'relay_custom'");
    expect(row?.n).toBeGreaterThan(0);
    await service.bus.publish('parley.messaging.message.dead-lettered.v1', { ...DeadLetterV1.example, reason: 'published by the service' });
    await broker.drain();
    expect(seen).toEqual(['published by the service']);
    await service.stop();
    await observer.stop();
  });
});

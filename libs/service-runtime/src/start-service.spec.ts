import { Controller, Module } from '@nestjs/common';
import { EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import pino from 'pino';
import { Secret } from '@parley/config';
import type { Payload } from '@parley/contracts';
import { InProcessBroker, InProcessBus } from '@parley/messaging';
import { ServiceMetrics } from '@parley/observability';
import type { ServiceInfrastructure } from './infrastructure';
import { InternalApiAccess } from './internal-api';
import { startService } from './start-service';

const logger = pino({ level: 'silent' });

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
    const unused = (): never => {
      throw new Error('not used by this test');
    };
    const infra = {
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
    const running = await startService({ name: 'identity', module: FailingModule, migrations: [] }, infra, { host: '127.0.0.1', port: 0 }, {
      internalApi: new InternalApiAccess(new Secret('x'.repeat(40)), {}),
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
});

import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import pino from 'pino';
import type { Payload } from '@parley/contracts';
import { InProcessBroker, InProcessBus } from '@parley/messaging';
import { ParleyBusTransport } from './bus-transport';
import { problemDetailsFilter } from './http/problem-details';
import { LOGGER } from './tokens';

const logger = pino({ level: 'silent' });
const handled: string[] = [];

@Controller()
class ObservationHandler {
  @EventPattern('parley.directory.user.observed.v1')
  async onObserved(@MessagePayload() observation: Payload<'parley.directory.user.observed.v1'>): Promise<void> {
    if (observation.displayName === 'poison') throw new Error('no account kind fits this person');
    handled.push(observation.email);
  }
}

@Controller()
class UnknownTopicHandler {
  @EventPattern('parley.not.in.catalog.v1')
  async onUnknown(): Promise<void> {
    throw new Error('never reached: the transport refuses this pattern at start');
  }
}

function observation(displayName: string) {
  return {
    orgId: 'org_transporttest1',
    platform: 'slack' as const,
    platformUserId: 'U1',
    email: `${displayName}@example.com`,
    displayName,
    isBot: false,
    isDeactivated: false,
    observedAt: new Date().toISOString(),
  };
}

describe('ParleyBusTransport with the RPC error filter', () => {
  it('routes @EventPattern handlers to the bus and dead-letters with the handler\'s own error, not Nest\'s', async () => {
    @Module({ controllers: [ObservationHandler], providers: [{ provide: LOGGER, useValue: logger }, problemDetailsFilter()] })
    class TestModule {}
    const broker = new InProcessBroker(2);
    const bus = new InProcessBus(broker, { service: 'identity', logger, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    const app = await NestFactory.createMicroservice(TestModule, { strategy: new ParleyBusTransport(bus, 'identity'), logger: false });
    await app.listen();
    try {
      await bus.publish('parley.directory.user.observed.v1', observation('poison'));
      await bus.publish('parley.directory.user.observed.v1', observation('fine'));
      await broker.drain();
      expect(handled).toEqual(['fine@example.com']);
      const [letter] = broker.deadLettered();
      expect(letter).toMatchObject({ failure: 'handler-failed', attempts: 2, consumerGroup: 'identity' });
      expect(letter?.reason).toBe('Error: no account kind fits this person');
    } finally {
      await app.close();
    }
  });

  it('refuses to start a handler for a topic that is not in the catalog', async () => {
    @Module({ controllers: [UnknownTopicHandler] })
    class UnknownModule {}
    const bus = new InProcessBus(new InProcessBroker(1), { service: 'identity', logger });
    const app = await NestFactory.createMicroservice(UnknownModule, { strategy: new ParleyBusTransport(bus, 'identity'), logger: false });
    await expect(app.listen()).rejects.toThrow(/not a topic of the catalog/);
    await app.close().catch(() => undefined);
  });
});

import pino from 'pino';
import { describeBusContract, observed } from '../testing/bus-contract';
import { InProcessBroker, InProcessBus } from './in-process-bus';

const logger = pino({ level: 'silent' });

describeBusContract('in-process', async () => {
  const broker = new InProcessBroker(4, { keyConcurrency: 4 });
  return {
    partitions: 4,
    keyConcurrency: 4,
    bus: (service, options) =>
      new InProcessBus(broker, { service, logger, retry: { maxAttempts: options?.maxAttempts ?? 3, baseDelayMs: 5, maxDelayMs: 20, transientForMs: options?.transientForMs ?? 0 } }),
    injectRaw: async (topic, key, value) => broker.dispatch({ topic, key, value, headers: {} }),
    deadLetters: async () => [...broker.deadLettered()],
    close: async () => {
      await broker.drain();
      broker.close();
    },
  };
});

describe('in-process consumer lag', () => {
  it('counts what each group has not finished, per topic and lane', async () => {
    const broker = new InProcessBroker(2);
    const bus = new InProcessBus(broker, { service: 'identity', logger });
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    bus.subscribe('parley.directory.user.observed.v1', () => blocked, { group: 'identity' });
    await bus.start();
    for (let i = 0; i < 3; i++) await bus.publish('parley.directory.user.observed.v1', observed(`p${i}@x.example`));
    const lag = await bus.consumerLag();
    expect(lag.map((l) => l.partition).sort()).toEqual([0, 1]);
    expect(lag.reduce((sum, l) => sum + l.lag, 0)).toBe(3);
    expect(new Set(lag.map((l) => `${l.group} ${l.topic}`))).toEqual(new Set(['identity parley.directory.user.observed.v1']));
    release();
    await broker.drain();
    expect((await bus.consumerLag()).reduce((sum, l) => sum + l.lag, 0)).toBe(0);
    await bus.stop();
  });
});

import pino from 'pino';
import { describeBusContract } from '../testing/bus-contract';
import { InProcessBroker, InProcessBus } from './in-process-bus';

const logger = pino({ level: 'silent' });

describeBusContract('in-process', async () => {
  const broker = new InProcessBroker(4, { keyConcurrency: 4 });
  return {
    partitions: 4,
    keyConcurrency: 4,
    bus: (service, options) =>
      new InProcessBus(broker, { service, logger, retry: { maxAttempts: options?.maxAttempts ?? 3, baseDelayMs: 5, maxDelayMs: 20 } }),
    injectRaw: async (topic, key, value) => broker.dispatch({ topic, key, value, headers: {} }),
    deadLetters: async () => [...broker.deadLettered()],
    close: async () => {
      await broker.drain();
      broker.close();
    },
  };
});

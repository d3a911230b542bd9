import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { DEAD_LETTER_TOPIC, decodeMessage, type Payload } from '@parley/contracts';
import { integrationEnv, uniqueSuffix } from '@parley/testing';
import { describeBusContract } from '../testing/bus-contract';
import { KafkaBus } from './kafka-bus';
import { ensureTopics } from './topic-admin';

const logger = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

// Each test gets its own topic prefix, so fromBeginning consumers never see another test's messages.
describeBusContract('kafka', async () => {
  const { kafkaBrokers } = integrationEnv();
  const layout = { prefix: `it-${uniqueSuffix()}.`, partitions: 3, replicationFactor: 1 };
  const kafka = new Kafka({ clientId: 'bus-contract', brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, layout);
  const raw = kafka.producer();
  await raw.connect();
  const letters: Payload<typeof DEAD_LETTER_TOPIC>[] = [];
  const dlqConsumer = kafka.consumer({ groupId: `${layout.prefix}dlq-reader`, maxWaitTimeInMs: 100 });
  await dlqConsumer.connect();
  await dlqConsumer.subscribe({ topic: `${layout.prefix}${DEAD_LETTER_TOPIC}`, fromBeginning: true });
  await dlqConsumer.run({ eachMessage: async ({ message }) => void letters.push(decodeMessage(DEAD_LETTER_TOPIC, message.value).payload) });

  return {
    partitions: layout.partitions,
    keyConcurrency: 4,
    bus: (service, options) =>
      new KafkaBus({
        brokers: kafkaBrokers,
        clientId: 'parley-test',
        service,
        layout,
        keyConcurrency: 4,
        logger,
        retry: { maxAttempts: options?.maxAttempts ?? 3, baseDelayMs: 20, maxDelayMs: 100 },
      }),
    injectRaw: async (topic, key, value) => {
      await raw.send({ topic: `${layout.prefix}${topic}`, messages: [{ key, value }] });
    },
    deadLetters: async () => [...letters],
    close: async () => {
      await Promise.allSettled([dlqConsumer.disconnect(), raw.disconnect()]);
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(layout.prefix));
      await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin.disconnect();
    },
  };
});

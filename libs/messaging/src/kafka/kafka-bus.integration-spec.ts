import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { DEAD_LETTER_TOPIC, decodeMessage, type Payload } from '@parley/contracts';
import { integrationEnv, uniqueSuffix } from '@parley/testing';
import { NonRetryableError } from '../message-bus';
import { describeBusContract, eventually, observed } from '../testing/bus-contract';
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
        retry: { maxAttempts: options?.maxAttempts ?? 3, baseDelayMs: 20, maxDelayMs: 100, transientForMs: options?.transientForMs ?? 0 },
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

describe('kafka bus per-key concurrency', () => {
  it("runs as many keys of a partition at once as the topic's own keyConcurrency allows, past the bus's default (ADR 0012)", async () => {
    const { kafkaBrokers } = integrationEnv();
    const layout = { prefix: `it-${uniqueSuffix()}.`, partitions: 1, replicationFactor: 1 };
    const admin = new Kafka({ clientId: 'bus-key-concurrency', brokers: kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await ensureTopics(admin, layout);
    const options = { brokers: kafkaBrokers, clientId: 'parley-test', layout, keyConcurrency: 4, logger, retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 } };
    const consumer = new KafkaBus({ ...options, service: 'teams-connector' });
    const producer = new KafkaBus({ ...options, service: 'provisioning' });
    let inFlight = 0;
    let most = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // parley.teams.guest.create.requested.v1 says 16 a partition; the bus's own default here is 4.
    consumer.subscribe(
      'parley.teams.guest.create.requested.v1',
      async () => {
        most = Math.max(most, ++inFlight);
        await released;
        inFlight--;
      },
      { group: 'teams-connector' },
    );
    const command = (i: number) => ({
      orgId: 'org_3f9a2c1b7d',
      syncId: '0b6f3a52-6d8e-4c61-9f0e-2a1f4b7c9d10',
      personId: `5e6f7a8b-9c0d-4e1f-a2b3-${String(i).padStart(12, '0')}`,
      connectionId: '7c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e',
      email: `p${i}@example.com`,
      displayName: `Person ${i}`,
      teamIds: [],
    });
    try {
      await producer.start();
      await producer.publishAll(Array.from({ length: 40 }, (_, i) => ({ topic: 'parley.teams.guest.create.requested.v1' as const, payload: command(i) })));
      await consumer.start();
      await eventually(() => inFlight >= 16, 30_000, '16 commands of one partition in flight');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(most).toBe(16);
    } finally {
      release();
      await Promise.allSettled([consumer.stop(), producer.stop()]);
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(layout.prefix));
      await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});

describe('kafka bus supervision', () => {
  it('replaces a consumer kafkajs stopped for good, and the new one replays what was not finished', async () => {
    const { kafkaBrokers } = integrationEnv();
    const layout = { prefix: `it-${uniqueSuffix()}.`, partitions: 1, replicationFactor: 1 };
    const admin = new Kafka({ clientId: 'bus-supervision', brokers: kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const lines: string[] = [];
    const watched = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const bus = new KafkaBus({ brokers: kafkaBrokers, clientId: 'parley-test', service: 'identity', layout, logger: watched, retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 } });
    let calls = 0;
    const handled: string[] = [];
    bus.subscribe(
      'parley.directory.user.observed.v1',
      async (p) => {
        if (++calls === 1) throw new NonRetryableError('the first handling fails');
        handled.push(p.email);
      },
      { group: 'identity' },
    );
    try {
      await bus.start();
      // A dead-letter topic that takes only small records: the broker refuses the dead letter as too large, an error
      // kafkajs does not retry, so the batch fails and kafkajs stops the consumer for good.
      const deadLetters = `${layout.prefix}${DEAD_LETTER_TOPIC}`;
      await admin.deleteTopics({ topics: [deadLetters] });
      await eventually(async () => !(await admin.listTopics()).includes(deadLetters), 30_000, 'the dead-letter topic to go');
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: deadLetters, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '200' }] }] });
      await bus.publish('parley.directory.user.observed.v1', observed('ada@example.com'));
      await eventually(() => handled.length === 1, 60_000, 'the replacement consumer to handle the message');
      expect(handled).toEqual(['ada@example.com']);
      expect(calls).toBe(2);
      expect(lines.some((l) => l.includes('kafka consumer stopped; starting a new one'))).toBe(true);
      await eventually(async () => (await bus.health()).ok, 30_000, 'readiness to return');
    } finally {
      await bus.stop();
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(layout.prefix));
      await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('starts without waiting for its group to rebalance past a member that stopped answering, and consumes once it is gone (ADR 0043)', async () => {
    const { kafkaBrokers } = integrationEnv();
    const layout = { prefix: `it-${uniqueSuffix()}.`, partitions: 1, replicationFactor: 1 };
    const kafka = new Kafka({ clientId: 'bus-join', brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, layout);
    const publisher = new KafkaBus({ brokers: kafkaBrokers, clientId: 'parley-test', service: 'slack-connector', layout, logger });
    // A member of identity's group that took a message and hangs in it, as a process stopped dead would: it neither
    // heartbeats nor rejoins, so the group's rebalance waits for its session (30 s) to time out.
    let release: () => void = () => undefined;
    const hung = new Promise<void>((resolve) => (release = resolve));
    let taken = false;
    const stuck = kafka.consumer({ groupId: `${layout.prefix}identity`, sessionTimeout: 30_000, heartbeatInterval: 3_000 });
    const handled: string[] = [];
    const bus = new KafkaBus({ brokers: kafkaBrokers, clientId: 'parley-test', service: 'identity', layout, logger });
    bus.subscribe('parley.directory.user.observed.v1', async (p) => void handled.push(p.email), { group: 'identity' });
    try {
      await stuck.connect();
      await stuck.subscribe({ topic: `${layout.prefix}parley.directory.user.observed.v1`, fromBeginning: true });
      await stuck.run({ eachMessage: async () => ((taken = true), hung) });
      await publisher.start();
      await publisher.publish('parley.directory.user.observed.v1', observed('ada@example.com'));
      await eventually(() => taken, 30_000, 'the hung member to take the message');

      const started = Date.now();
      await bus.start();
      // The service answers HTTP once start() returns: well before the 30 s the rebalance waits.
      expect(Date.now() - started).toBeLessThan(10_000);
      await eventually(() => handled.length === 1, 90_000, 'the message, once the hung member is gone');
      expect(handled).toEqual(['ada@example.com']);
    } finally {
      release();
      await bus.stop();
      await publisher.stop();
      await stuck.disconnect().catch(() => undefined);
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(layout.prefix));
      await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin.disconnect();
    }
  }, 180_000);
});

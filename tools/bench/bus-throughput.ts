// Bus throughput and latency through the real broker: Parley's KafkaBus (validation on both sides, commit after
// effect) against a bare kafkajs producer and consumer, side by side, alternating rounds, medians reported.
// Usage: npm run infra:up && npm run bench:bus   (BENCH_MESSAGES, BENCH_ROUNDS to change the size)
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import pino from 'pino';
import type { PayloadIn } from '@parley/contracts';
import { KafkaBus } from '@parley/messaging';
import { brokersFromEnv, median, percentile, writeResults } from './bench-support';

const TOPIC = 'parley.directory.user.observed.v1';
const MESSAGES = Number(process.env['BENCH_MESSAGES'] ?? 20_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const CHUNK = 500;
const PARTITIONS = 12;
const brokers = brokersFromEnv();
const logger = pino({ level: 'warn' });
const padding = 'x'.repeat(760); // brings the encoded payload to about 1 KiB

function payload(i: number): PayloadIn<typeof TOPIC> {
  return {
    orgId: 'org_benchmark01',
    platform: 'slack',
    platformUserId: `U${i}`,
    email: `person${i}@example.com`,
    displayName: padding,
    isBot: false,
    isDeactivated: false,
    observedAt: new Date().toISOString(),
  };
}

interface Round {
  messagesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

async function parleyRound(): Promise<Round> {
  const layout = { prefix: `bench-${randomUUID().slice(0, 8)}.`, partitions: PARTITIONS, replicationFactor: 1 };
  const producer = new KafkaBus({ brokers, clientId: 'bench', service: 'bench-producer', layout, logger });
  const consumer = new KafkaBus({ brokers, clientId: 'bench', service: 'bench-consumer', layout, logger });
  const latencies: number[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  consumer.subscribe(
    TOPIC,
    async (p) => {
      latencies.push(Date.now() - Date.parse(p.observedAt));
      if (latencies.length === MESSAGES) done();
    },
    { group: 'bench' },
  );
  await producer.start();
  await consumer.start();
  const started = Date.now();
  for (let i = 0; i < MESSAGES; i += CHUNK) {
    const entries = Array.from({ length: Math.min(CHUNK, MESSAGES - i) }, (_, j) => ({ topic: TOPIC, payload: payload(i + j) }) as const);
    await producer.publishAll(entries);
  }
  await finished;
  const seconds = (Date.now() - started) / 1000;
  await Promise.all([producer.stop(), consumer.stop()]);
  return { messagesPerSecond: MESSAGES / seconds, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

async function bareRound(): Promise<Round> {
  const topic = `bench-bare-${randomUUID().slice(0, 8)}`;
  const kafka = new Kafka({ clientId: 'bench-bare', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId: `${topic}-group`, maxWaitTimeInMs: 250 });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const latencies: number[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.run({
    partitionsConsumedConcurrently: PARTITIONS,
    eachMessage: async ({ message }) => {
      const value = JSON.parse((message.value as Buffer).toString('utf8'));
      latencies.push(Date.now() - Date.parse(value.observedAt));
      if (latencies.length === MESSAGES) done();
    },
  });
  const started = Date.now();
  for (let i = 0; i < MESSAGES; i += CHUNK) {
    const messages = Array.from({ length: Math.min(CHUNK, MESSAGES - i) }, (_, j) => {
      const p = payload(i + j);
      return { key: `${p.orgId}:${p.email}`, value: JSON.stringify(p) };
    });
    await producer.send({ topic, acks: -1, messages });
  }
  await finished;
  const seconds = (Date.now() - started) / 1000;
  await Promise.all([producer.disconnect(), consumer.disconnect()]);
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  return { messagesPerSecond: MESSAGES / seconds, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

async function main(): Promise<void> {
  const parley: Round[] = [];
  const bare: Round[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    bare.push(await bareRound());
    parley.push(await parleyRound());
    console.log(`round ${round + 1}: bare ${bare[round]?.messagesPerSecond.toFixed(0)} msg/s, parley ${parley[round]?.messagesPerSecond.toFixed(0)} msg/s`);
  }
  const summary = (rounds: Round[]) => ({
    messagesPerSecond: Math.round(median(rounds.map((r) => r.messagesPerSecond))),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    rounds,
  });
  const parleySummary = summary(parley);
  const bareSummary = summary(bare);
  writeResults('bus-throughput', {
    messages: MESSAGES,
    payloadBytes: JSON.stringify(payload(0)).length,
    partitions: PARTITIONS,
    rounds: ROUNDS,
    bareKafkajs: bareSummary,
    parleyKafkaBus: parleySummary,
    throughputRatio: Number((parleySummary.messagesPerSecond / bareSummary.messagesPerSecond).toFixed(3)),
    target: 'throughputRatio >= 0.8',
  });
  process.exit(0);
}

void main();

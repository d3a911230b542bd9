// Bus throughput and latency through the real broker: Parley's KafkaBus (validation on both sides, commit after
// effect, the event envelope built per message) against a bare kafkajs producer and consumer moving the same bytes
// (a record value of the same 1 KiB shape, built with a plain JSON.stringify), side by side, alternating rounds,
// medians. What the ratio measures is the bus's own work, not the size of its envelope.
// As in production, the producer and the consumer are separate processes: a producer (this process for bare kafkajs,
// a forked one for KafkaBus) and a forked consumer that reports when it has handled every message.
// Tracing on vs off (issue 12): the same KafkaBus round again with OpenTelemetry started in both processes
// (OTEL_EXPORTER_OTLP_ENDPOINT set, every message sampled, spans exported over OTLP/HTTP protobuf to a receiver in
// this process that counts what it gets). Both KafkaBus producers then run in a forked process of their own, so the
// traced and untraced rounds differ only in the tracing environment.
// Usage: npm run infra:up && npm run bench:bus   (BENCH_MESSAGES, BENCH_ROUNDS change the size)
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import pino from 'pino';
import type { PayloadIn } from '@parley/contracts';
import { KafkaBus } from '@parley/messaging';
import { startTracing, stopTracing } from '@parley/observability';
import { brokersFromEnv, median, percentile, writeResults } from './bench-support';

const TOPIC = 'parley.directory.user.observed.v1';
const MESSAGES = Number(process.env['BENCH_MESSAGES'] ?? 20_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const CHUNK = 500;
/** Chunks in flight at once: services publish from many handlers concurrently, not one call at a time. */
const IN_FLIGHT = Number(process.env['BENCH_IN_FLIGHT'] ?? 1);
const PARTITIONS = 12;
const brokers = brokersFromEnv();
const logger = pino({ level: 'warn' });
const padding = 'x'.repeat(600); // brings the whole record value (envelope included) to about 1 KiB

type Kind = 'parley' | 'traced' | 'bare';
interface Round {
  messagesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}
type ChildMessage = { ready: true } | { done: true; firstAt: number; lastAt: number; latencies: number[] };
type ProducerCommand = 'warm-up' | 'send' | 'close';
type ProducerReply = { started: true } | { sent: true } | { closed: true };

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

// ---- consumer side (child process) ----

async function consume(kind: Kind, topicOrPrefix: string): Promise<void> {
  const latencies: number[] = [];
  let firstAt = 0;
  const seen = (observedAt: string, userId: string) => {
    if (userId === 'warm-up') return process.send?.({ ready: true } satisfies ChildMessage);
    const now = Date.now();
    if (latencies.length === 0) firstAt = now;
    latencies.push(now - Date.parse(observedAt));
    if (latencies.length === MESSAGES) process.send?.({ done: true, firstAt, lastAt: now, latencies } satisfies ChildMessage);
  };
  if (kind !== 'bare') {
    // 'traced': the environment names an OTLP endpoint; 'parley': it does not, and this starts nothing.
    startTracing({ service: 'bench-consumer' });
    const layout = { prefix: topicOrPrefix, partitions: PARTITIONS, replicationFactor: 1 };
    const bus = new KafkaBus({ brokers, clientId: 'bench', service: 'bench-consumer', layout, logger });
    bus.subscribe(TOPIC, async (p) => void seen(p.observedAt, p.platformUserId), { group: 'bench' });
    await bus.start();
  } else {
    const kafka = new Kafka({ clientId: 'bench-bare', brokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `${topicOrPrefix}-group`, maxWaitTimeInMs: 250 });
    await consumer.connect();
    await consumer.subscribe({ topic: topicOrPrefix, fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: PARTITIONS,
      eachMessage: async ({ message }) => {
        const { data } = JSON.parse((message.value as Buffer).toString('utf8'));
        seen(data.observedAt, data.platformUserId);
      },
    });
  }
}

// ---- producer side (this process) ----

interface Producer {
  warmUp(): Promise<void>;
  sendAll(): Promise<void>;
  close(): Promise<void>;
}

/** Sends MESSAGES in chunks of CHUNK with IN_FLIGHT chunks outstanding, the same way for both producers. */
async function inChunks(send: (from: number, count: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < MESSAGES) {
      const from = next;
      next += CHUNK;
      await send(from, Math.min(CHUNK, MESSAGES - from));
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
}

async function parleyProducer(prefix: string): Promise<Producer> {
  const bus = new KafkaBus({ brokers, clientId: 'bench', service: 'bench-producer', layout: { prefix, partitions: PARTITIONS, replicationFactor: 1 }, logger });
  await bus.start();
  return {
    warmUp: () => bus.publish(TOPIC, { ...payload(0), platformUserId: 'warm-up' }),
    sendAll: () =>
      inChunks((from, count) => bus.publishAll(Array.from({ length: count }, (_, j) => ({ topic: TOPIC, payload: payload(from + j) }) as const))),
    close: () => bus.stop(),
  };
}

async function bareProducer(topic: string): Promise<Producer> {
  const kafka = new Kafka({ clientId: 'bench-bare', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  // The same envelope bytes a Parley producer would send, built the way a hand-written producer would.
  const encode = (p: PayloadIn<typeof TOPIC>) => ({
    key: `${p.orgId}:${p.email}`,
    value: JSON.stringify({ specversion: '1.0', id: randomUUID(), source: 'bench-producer', type: TOPIC, time: new Date().toISOString(), data: p }),
  });
  return {
    warmUp: async () => void (await producer.send({ topic, acks: -1, messages: [encode({ ...payload(0), platformUserId: 'warm-up' })] })),
    sendAll: () =>
      inChunks(async (from, count) => void (await producer.send({ topic, acks: -1, messages: Array.from({ length: count }, (_, j) => encode(payload(from + j))) }))),
    close: async () => {
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

/** A KafkaBus producer in a forked process (traced or not by its environment), driven by commands. */
async function produceInChild(prefix: string): Promise<void> {
  startTracing({ service: 'bench-producer' });
  const producer = await parleyProducer(prefix);
  process.on('message', (command: ProducerCommand) => {
    if (command === 'warm-up') void producer.warmUp();
    if (command === 'send') void producer.sendAll().then(() => process.send?.({ sent: true } satisfies ProducerReply));
    if (command === 'close') void producer.close().then(stopTracing).then(() => process.send?.({ closed: true } satisfies ProducerReply));
  });
  process.send?.({ started: true } satisfies ProducerReply);
}

function forkedProducer(kind: Kind, prefix: string, env: NodeJS.ProcessEnv): Promise<Producer> {
  const child: ChildProcess = fork(__filename, ['--produce', kind, prefix], { stdio: 'inherit', env });
  const replies: ProducerReply[] = [];
  child.on('message', (m: ProducerReply) => replies.push(m));
  const reply = (what: 'started' | 'sent' | 'closed') =>
    new Promise<void>((resolve) => {
      const poll = () => {
        const index = replies.findIndex((r) => what in r);
        if (index >= 0) {
          replies.splice(index, 1);
          resolve();
        } else setTimeout(poll, 5);
      };
      poll();
    });
  return reply('started').then(() => ({
    warmUp: async () => void child.send('warm-up' satisfies ProducerCommand),
    sendAll: async () => {
      child.send('send' satisfies ProducerCommand);
      await reply('sent');
    },
    close: async () => {
      child.send('close' satisfies ProducerCommand);
      await reply('closed');
      child.kill();
    },
  }));
}

/** What the traced processes' exporters delivered: requests and bytes, so the figures show spans really went out. */
const exported = { requests: 0, bytes: 0 };

async function startOtlpReceiver(): Promise<{ url: string; close(): void }> {
  const server = createServer((request, response) => {
    let bytes = 0;
    request.on('data', (chunk: Buffer) => (bytes += chunk.length));
    request.on('end', () => {
      exported.requests++;
      exported.bytes += bytes;
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

function environmentFor(kind: Kind, otlp: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('OTEL_')) delete env[key];
  if (kind === 'traced') Object.assign(env, { OTEL_EXPORTER_OTLP_ENDPOINT: otlp, OTEL_NODE_RESOURCE_DETECTORS: 'none', OTEL_TRACES_SAMPLER: 'always_on' });
  return env;
}

async function round(kind: Kind, otlp: string): Promise<Round> {
  const name = kind !== 'bare' ? `bench-${randomUUID().slice(0, 8)}.` : `bench-bare-${randomUUID().slice(0, 8)}`;
  const env = environmentFor(kind, otlp);
  const producer = kind === 'bare' ? await bareProducer(name) : await forkedProducer(kind, name, env);
  const child = fork(__filename, ['--consume', kind, name], { stdio: 'inherit', env });
  const messages: ChildMessage[] = [];
  const next = () =>
    new Promise<ChildMessage>((resolve) => {
      const poll = () => (messages.length ? resolve(messages.shift() as ChildMessage) : setTimeout(poll, 5));
      poll();
    });
  child.on('message', (m: ChildMessage) => messages.push(m));
  // Measure from a consumer that has joined its group and is already receiving.
  const warm = setInterval(() => void producer.warmUp(), 1_000);
  await producer.warmUp();
  await next();
  clearInterval(warm);
  messages.splice(0);
  const started = Date.now();
  await producer.sendAll();
  let result = await next();
  while (!('done' in result)) result = await next();
  child.kill();
  await producer.close();
  const seconds = (result.lastAt - started) / 1000;
  return { messagesPerSecond: MESSAGES / seconds, p50Ms: percentile(result.latencies, 50), p99Ms: percentile(result.latencies, 99) };
}

async function main(): Promise<void> {
  const parley: Round[] = [];
  const bare: Round[] = [];
  const traced: Round[] = [];
  const receiver = await startOtlpReceiver();
  for (let i = 0; i < ROUNDS; i++) {
    bare.push(await round('bare', receiver.url));
    parley.push(await round('parley', receiver.url));
    traced.push(await round('traced', receiver.url));
    console.log(
      `round ${i + 1}: bare ${bare[i]?.messagesPerSecond.toFixed(0)} msg/s, parley ${parley[i]?.messagesPerSecond.toFixed(0)} msg/s, ` +
        `parley traced ${traced[i]?.messagesPerSecond.toFixed(0)} msg/s`,
    );
  }
  receiver.close();
  const summary = (rounds: Round[]) => ({
    messagesPerSecond: Math.round(median(rounds.map((r) => r.messagesPerSecond))),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    rounds: rounds.map((r) => ({ messagesPerSecond: Math.round(r.messagesPerSecond), p50Ms: r.p50Ms, p99Ms: r.p99Ms })),
  });
  const parleySummary = summary(parley);
  const bareSummary = summary(bare);
  const tracedSummary = summary(traced);
  writeResults('bus-throughput', {
    messages: MESSAGES,
    recordValueBytes: Buffer.byteLength(JSON.stringify({ specversion: '1.0', id: randomUUID(), source: 'bench-producer', type: TOPIC, time: new Date().toISOString(), data: payload(0) })),
    partitions: PARTITIONS,
    rounds: ROUNDS,
    shape: 'producer in the benchmark process, consumer in a forked process, one broker on loopback',
    chunk: CHUNK,
    chunksInFlight: IN_FLIGHT,
    bareKafkajs: bareSummary,
    parleyKafkaBus: parleySummary,
    throughputRatio: Number((parleySummary.messagesPerSecond / bareSummary.messagesPerSecond).toFixed(3)),
    // Each round runs bare then Parley back to back; the median of those paired ratios is the steadier figure on a
    // shared machine whose speed drifts between rounds.
    pairedRatios: parley.map((r, i) => Number((r.messagesPerSecond / (bare[i] as Round).messagesPerSecond).toFixed(3))),
    medianPairedRatio: Number(median(parley.map((r, i) => r.messagesPerSecond / (bare[i] as Round).messagesPerSecond)).toFixed(3)),
    target: 'ratio >= 0.8',
    tracing: {
      what: 'the KafkaBus rounds again with OpenTelemetry on in producer and consumer (every message sampled: a send and a process span each, exported over OTLP/HTTP protobuf)',
      off: parleySummary,
      on: tracedSummary,
      throughputRatio: Number((tracedSummary.messagesPerSecond / parleySummary.messagesPerSecond).toFixed(3)),
      pairedRatios: traced.map((r, i) => Number((r.messagesPerSecond / (parley[i] as Round).messagesPerSecond).toFixed(3))),
      medianPairedRatio: Number(median(traced.map((r, i) => r.messagesPerSecond / (parley[i] as Round).messagesPerSecond)).toFixed(3)),
      exportedToReceiver: { ...exported },
      target: 'on/off ratio >= 0.9',
    },
  });
  process.exit(0);
}

if (process.argv[2] === '--consume') {
  void consume(process.argv[3] as Kind, process.argv[4] as string);
} else if (process.argv[2] === '--produce') {
  void produceInChild(process.argv[4] as string);
} else {
  void main();
}

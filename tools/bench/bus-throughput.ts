// Bus throughput and latency through the real broker: Parley's KafkaBus (validation on both sides, commit after
// effect, the event envelope built per message) against a bare kafkajs producer and consumer moving the same bytes
// (a record value of the same 1 KiB shape, built with a plain JSON.stringify), side by side, alternating rounds,
// medians. What the ratio measures is the bus's own work, not the size of its envelope.
// As in production, the producer and the consumer are separate processes: a producer (this process for bare kafkajs,
// a forked one for KafkaBus) and a forked consumer that reports when it has handled every message.
// Tracing on vs off (issue 12, ADR 0030): the same KafkaBus round twice more with OpenTelemetry started in both
// processes (OTEL_EXPORTER_OTLP_ENDPOINT set; spans exported over OTLP/HTTP protobuf to a receiver in this process
// that counts the spans it gets): 'sampled' with the production sampler k8s/README.md recommends (a tenth of new
// traces), 'traced' with every message sampled unless OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG say otherwise.
// Both KafkaBus producers then run in a forked process of their own, so the traced and untraced rounds differ only in
// the tracing environment. Each forked side also reports its CPU time per message.
// Usage: npm run infra:up && npm run bench:bus   (BENCH_MESSAGES, BENCH_ROUNDS change the size; OTEL_BSP_* and the
// sampler variables pass through to the traced processes; BENCH_CPU_PROF_DIR writes a CPU profile per forked process)
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';
import pino from 'pino';
import type { PayloadIn } from '@parley/contracts';
import { KafkaBus } from '@parley/messaging';
import { deleteTopicsWithPrefix } from '@parley/testing';
import { startTracing, stopTracing, withLogContext } from '@parley/observability';
import { brokersFromEnv, median, percentile, writeResults } from './bench-support';

const TOPIC = 'parley.directory.user.observed.v1';
/** 100,000 per round: a shorter round is mostly start-up (JIT, the exporter's first export), not the steady state a service runs in. */
const MESSAGES = Number(process.env['BENCH_MESSAGES'] ?? 100_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const CHUNK = 500;
/** Chunks in flight at once: services publish from many handlers concurrently, not one call at a time. */
const IN_FLIGHT = Number(process.env['BENCH_IN_FLIGHT'] ?? 1);
const PARTITIONS = 12;
const brokers = brokersFromEnv();
const logger = pino({ level: 'warn' });
/** A shared broker that just deleted a round's topics can take a while to elect leaders for the next round's. */
const BUSY_BROKER_RETRY = { retries: 12, maxRetryTime: 5_000 };
/** BENCH_CPU_PROF_DIR: each forked producer and consumer writes a V8 CPU profile there (to see where a round's time goes). */
const PROFILE_DIR = process.env['BENCH_CPU_PROF_DIR'];
const execArgv = PROFILE_DIR ? [...process.execArgv, '--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : process.execArgv;
const padding = 'x'.repeat(600); // brings the whole record value (envelope included) to about 1 KiB

/** 'traced': every message sampled (or the sampler given); 'sampled': the sampler k8s/README.md recommends. */
type Kind = 'parley' | 'traced' | 'sampled' | 'bare';
interface Round {
  messagesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time (user + system) per message of the forked producer and consumer: what a shared machine's load barely moves. */
  producerCpuUs?: number;
  consumerCpuUs?: number;
}
type ChildMessage = { ready: true } | { done: true; firstAt: number; lastAt: number; latencies: number[]; cpuMicros: number };
type ProducerCommand = 'warm-up' | 'send' | 'close';
type ProducerReply = { started: true } | { sent: true } | { closed: true; cpuMicros: number };
/** Sent to a forked consumer just before the producer starts: its CPU time is counted from there. */
const MARK = 'mark';

function cpuMicrosSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

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
  let cpuAtMark = process.cpuUsage();
  process.on('message', (m) => {
    if (m === MARK) cpuAtMark = process.cpuUsage();
  });
  const seen = (observedAt: string, userId: string) => {
    if (userId === 'warm-up') return process.send?.({ ready: true } satisfies ChildMessage);
    const now = Date.now();
    if (latencies.length === 0) firstAt = now;
    latencies.push(now - Date.parse(observedAt));
    if (latencies.length === MESSAGES) process.send?.({ done: true, firstAt, lastAt: now, latencies, cpuMicros: cpuMicrosSince(cpuAtMark) } satisfies ChildMessage);
  };
  if (kind !== 'bare') {
    // 'traced': the environment names an OTLP endpoint; 'parley': it does not, and this starts nothing.
    startTracing({ service: 'bench-consumer' });
    const layout = { prefix: topicOrPrefix, partitions: PARTITIONS, replicationFactor: 1 };
    const bus = new KafkaBus({ brokers, clientId: 'bench', service: 'bench-consumer', layout, logger });
    bus.subscribe(TOPIC, async (p) => void seen(p.observedAt, p.platformUserId), { group: 'bench' });
    await bus.start();
  } else {
    const kafka = new Kafka({ clientId: 'bench-bare', brokers, logLevel: logLevel.NOTHING, retry: BUSY_BROKER_RETRY });
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
  /** Resolves with the CPU time a forked producer used from `sendAll` on (its spans' export included). */
  close(): Promise<number | undefined>;
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
    // As in a service, each publish happens inside the log context of the work that causes it (a request, a message):
    // the process's AsyncLocalStorage is in use with tracing off too, so the traced rounds measure tracing, not that.
    sendAll: () =>
      inChunks((from, count) =>
        withLogContext({ correlationId: `bench-chunk-${from}` }, () =>
          bus.publishAll(Array.from({ length: count }, (_, j) => ({ topic: TOPIC, payload: payload(from + j) }) as const)),
        ),
      ),
    close: async () => {
      await bus.stop();
      return undefined;
    },
  };
}

async function bareProducer(topic: string): Promise<Producer> {
  const kafka = new Kafka({ clientId: 'bench-bare', brokers, logLevel: logLevel.NOTHING, retry: BUSY_BROKER_RETRY });
  const admin = kafka.admin();
  await admin.connect();
  await createTopicOnBusyBroker(admin, topic);
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
      return undefined;
    },
  };
}

/**
 * Creates the bare round's topic. A broker that has just deleted the last round's topics can answer the leader wait
 * with UNKNOWN_TOPIC_OR_PARTITION after kafkajs's own retries are spent; the topic then exists, so ask again.
 */
async function createTopicOnBusyBroker(admin: Admin, topic: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
      return;
    } catch (error) {
      if (attempt >= 10 || !(error as { retriable?: boolean }).retriable) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

/** A KafkaBus producer in a forked process (traced or not by its environment), driven by commands. */
async function produceInChild(prefix: string): Promise<void> {
  startTracing({ service: 'bench-producer' });
  const producer = await parleyProducer(prefix);
  let cpuAtSend = process.cpuUsage();
  process.on('message', (command: ProducerCommand) => {
    if (command === 'warm-up') void producer.warmUp().catch(() => undefined);
    if (command === 'send') {
      cpuAtSend = process.cpuUsage();
      producer.sendAll().then(
        () => process.send?.({ sent: true } satisfies ProducerReply),
        (error: unknown) => {
          console.error('bench producer: sending failed', error);
          process.exit(1);
        },
      );
    }
    if (command === 'close') {
      // Stopping exports the spans still buffered: part of what tracing these messages cost.
      void producer
        .close()
        .then(stopTracing)
        .then(() => process.send?.({ closed: true, cpuMicros: cpuMicrosSince(cpuAtSend) } satisfies ProducerReply));
    }
  });
  process.send?.({ started: true } satisfies ProducerReply);
}

function forkedProducer(kind: Kind, prefix: string, env: NodeJS.ProcessEnv): Promise<Producer> {
  const child: ChildProcess = fork(__filename, ['--produce', kind, prefix], { stdio: 'inherit', env, execArgv });
  const replies: ProducerReply[] = [];
  child.on('message', (m: ProducerReply) => replies.push(m));
  let closing = false;
  child.on('exit', (code, signal) => {
    // A producer that dies (a publish Kafka never acknowledged, say) would leave the round waiting for ever.
    if (!closing) failRound(`the ${kind} producer process exited (${signal ?? code}) in the middle of a round`);
  });
  const reply = (what: 'started' | 'sent' | 'closed') =>
    new Promise<ProducerReply>((resolve) => {
      const poll = () => {
        const index = replies.findIndex((r) => what in r);
        if (index >= 0) resolve(replies.splice(index, 1)[0] as ProducerReply);
        else setTimeout(poll, 5);
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
      closing = true;
      child.send('close' satisfies ProducerCommand);
      const closed = await reply('closed');
      child.kill();
      return 'cpuMicros' in closed ? closed.cpuMicros : undefined;
    },
  }));
}

/**
 * What the traced processes' exporters delivered: requests, bytes and spans (counted by their names in the protobuf),
 * so the figures show every span really went out, none dropped by a full export queue.
 */
type Exported = { requests: number; bytes: number; sendSpans: number; processSpans: number };
const none = (): Exported => ({ requests: 0, bytes: 0, sendSpans: 0, processSpans: 0 });
/** What the receiver got, by the kind of round that was running (rounds run one at a time, and flush before they end). */
const exportedBy: Record<'traced' | 'sampled', Exported> = { traced: none(), sampled: none() };
let exporting: 'traced' | 'sampled' = 'traced';
const SEND_NAME = Buffer.from(`send ${TOPIC}`);
const PROCESS_NAME = Buffer.from(`process ${TOPIC}`);

function occurrences(body: Buffer, needle: Buffer): number {
  let count = 0;
  for (let at = body.indexOf(needle); at >= 0; at = body.indexOf(needle, at + needle.length)) count++;
  return count;
}

async function startOtlpReceiver(): Promise<{ url: string; close(): void }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const exported = exportedBy[exporting];
      exported.requests++;
      exported.bytes += body.length;
      exported.sendSpans += occurrences(body, SEND_NAME);
      exported.processSpans += occurrences(body, PROCESS_NAME);
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

/**
 * The sampler the 'traced' rounds run with: the SDK's standard variables, as given to the benchmark (e.g.
 * `OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.1`), else every message sampled.
 */
const sampler = {
  OTEL_TRACES_SAMPLER: process.env['OTEL_TRACES_SAMPLER']?.trim() || 'always_on',
  ...(process.env['OTEL_TRACES_SAMPLER_ARG']?.trim() ? { OTEL_TRACES_SAMPLER_ARG: process.env['OTEL_TRACES_SAMPLER_ARG'].trim() } : {}),
};
const samplerName = `${sampler.OTEL_TRACES_SAMPLER}${sampler.OTEL_TRACES_SAMPLER_ARG ? ` (${sampler.OTEL_TRACES_SAMPLER_ARG})` : ''}`;
/**
 * The 'sampled' rounds: what k8s/README.md tells an operator to run in production, a tenth of new traces and the rest
 * of each trace following its first decision. The producer here publishes its chunks outside any span, as a handler
 * publishing a batch of events would: each Kafka send of them starts a trace (one send span, ADR 0030), a tenth of
 * those are sampled, and the consumer makes a process span for each message of a sampled one.
 */
const RECOMMENDED_SAMPLER = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' };

function environmentFor(kind: Kind, otlp: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Only the traced rounds see OTel settings; the batch processor's (OTEL_BSP_*) pass through to them as given.
  const batching = Object.fromEntries(Object.entries(env).filter(([key]) => key.startsWith('OTEL_BSP_')));
  for (const key of Object.keys(env)) if (key.startsWith('OTEL_')) delete env[key];
  const traced = { OTEL_EXPORTER_OTLP_ENDPOINT: otlp, OTEL_NODE_RESOURCE_DETECTORS: 'none', ...batching };
  if (kind === 'traced') Object.assign(env, traced, sampler);
  if (kind === 'sampled') Object.assign(env, traced, RECOMMENDED_SAMPLER);
  return env;
}

const round1 = (value: number) => Math.round(value * 10) / 10;

function failRound(why: string): never {
  console.error(`bench:bus failed: ${why}`);
  process.exit(1);
}

async function round(kind: Kind, otlp: string): Promise<Round> {
  if (kind === 'traced' || kind === 'sampled') exporting = kind;
  const name = kind !== 'bare' ? `bench-${randomUUID().slice(0, 8)}.` : `bench-bare-${randomUUID().slice(0, 8)}`;
  const env = environmentFor(kind, otlp);
  const producer = kind === 'bare' ? await bareProducer(name) : await forkedProducer(kind, name, env);
  const child = fork(__filename, ['--consume', kind, name], { stdio: 'inherit', env, execArgv });
  const messages: ChildMessage[] = [];
  const next = () =>
    new Promise<ChildMessage>((resolve) => {
      const poll = () => (messages.length ? resolve(messages.shift() as ChildMessage) : setTimeout(poll, 5));
      poll();
    });
  child.on('message', (m: ChildMessage) => messages.push(m));
  let finished = false;
  child.on('exit', (code, signal) => {
    if (!finished) failRound(`the ${kind} consumer process exited (${signal ?? code}) in the middle of a round`);
  });
  // Measure from a consumer that has joined its group and is already receiving.
  // A warm-up that fails (a fresh topic's leaders not known yet on a busy broker) is simply sent again next second.
  const warm = setInterval(() => void producer.warmUp().catch(() => undefined), 1_000);
  await producer.warmUp().catch(() => undefined);
  await next();
  clearInterval(warm);
  messages.splice(0);
  child.send(MARK);
  const started = Date.now();
  await producer.sendAll();
  let result = await next();
  while (!('done' in result)) result = await next();
  finished = true;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill();
  await exited;
  const producerCpu = await producer.close();
  // A KafkaBus round's bus creates every catalog topic under its own prefix; a shared broker must not keep them.
  if (kind !== 'bare') await deleteTopicsWithPrefix(brokers, name);
  const seconds = (result.lastAt - started) / 1000;
  return {
    messagesPerSecond: MESSAGES / seconds,
    p50Ms: percentile(result.latencies, 50),
    p99Ms: percentile(result.latencies, 99),
    ...(producerCpu !== undefined ? { producerCpuUs: round1(producerCpu / MESSAGES) } : {}),
    ...(kind !== 'bare' ? { consumerCpuUs: round1(result.cpuMicros / MESSAGES) } : {}),
  };
}

async function main(): Promise<void> {
  const parley: Round[] = [];
  const bare: Round[] = [];
  const traced: Round[] = [];
  const sampled: Round[] = [];
  const receiver = await startOtlpReceiver();
  console.log(
    `tracing rounds: 'traced' with sampler ${samplerName}, 'sampled' with ${RECOMMENDED_SAMPLER.OTEL_TRACES_SAMPLER} (${RECOMMENDED_SAMPLER.OTEL_TRACES_SAMPLER_ARG}); ` +
      `spans exported over OTLP/HTTP protobuf to ${receiver.url}`,
  );
  for (let i = 0; i < ROUNDS; i++) {
    bare.push(await round('bare', receiver.url));
    parley.push(await round('parley', receiver.url));
    traced.push(await round('traced', receiver.url));
    sampled.push(await round('sampled', receiver.url));
    console.log(
      `round ${i + 1}: bare ${bare[i]?.messagesPerSecond.toFixed(0)} msg/s, parley ${parley[i]?.messagesPerSecond.toFixed(0)} msg/s, ` +
        `traced ${traced[i]?.messagesPerSecond.toFixed(0)} msg/s, sampled ${sampled[i]?.messagesPerSecond.toFixed(0)} msg/s; CPU per message producer/consumer: ` +
        `parley ${parley[i]?.producerCpuUs}/${parley[i]?.consumerCpuUs} us, traced ${traced[i]?.producerCpuUs}/${traced[i]?.consumerCpuUs} us, ` +
        `sampled ${sampled[i]?.producerCpuUs}/${sampled[i]?.consumerCpuUs} us`,
    );
  }
  receiver.close();
  const summary = (rounds: Round[]) => ({
    messagesPerSecond: Math.round(median(rounds.map((r) => r.messagesPerSecond))),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    ...(rounds[0]?.consumerCpuUs !== undefined
      ? { producerCpuUsPerMessage: median(rounds.map((r) => r.producerCpuUs ?? 0)), consumerCpuUsPerMessage: median(rounds.map((r) => r.consumerCpuUs ?? 0)) }
      : {}),
    rounds: rounds.map((r) => ({ ...r, messagesPerSecond: Math.round(r.messagesPerSecond) })),
  });
  const parleySummary = summary(parley);
  const bareSummary = summary(bare);
  const tracedSummary = summary(traced);
  const sampledSummary = summary(sampled);
  const against = (on: Round[], onSummary: ReturnType<typeof summary>) => ({
    throughputRatio: Number((onSummary.messagesPerSecond / parleySummary.messagesPerSecond).toFixed(3)),
    pairedRatios: on.map((r, i) => Number((r.messagesPerSecond / (parley[i] as Round).messagesPerSecond).toFixed(3))),
    medianPairedRatio: Number(median(on.map((r, i) => r.messagesPerSecond / (parley[i] as Round).messagesPerSecond)).toFixed(3)),
  });
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
      what: 'the KafkaBus rounds again with OpenTelemetry on in producer and consumer (a send span per Kafka send and a process span per sampled message, exported over OTLP/HTTP protobuf to a receiver in the benchmark process)',
      off: parleySummary,
      // The production setting (k8s/README.md): a tenth of the traces, each Kafka send here a trace of its own.
      recommendedSampler: {
        sampler: `${RECOMMENDED_SAMPLER.OTEL_TRACES_SAMPLER} (${RECOMMENDED_SAMPLER.OTEL_TRACES_SAMPLER_ARG})`,
        on: sampledSummary,
        ...against(sampled, sampledSummary),
        exportedToReceiver: { ...exportedBy.sampled, messages: MESSAGES * ROUNDS },
      },
      // Every message traced (unless OTEL_TRACES_SAMPLER says otherwise): what a debugging session or a test costs.
      everyMessage: {
        sampler: samplerName,
        on: tracedSummary,
        ...against(traced, tracedSummary),
        // Every traced round sends MESSAGES plus its warm-ups: with every message sampled, at least that many of each.
        exportedToReceiver: { ...exportedBy.traced, messages: MESSAGES * ROUNDS },
      },
      target: 'on/off ratio >= 0.9',
    },
  });
  process.exit(0);
}

// A forked side ends on SIGTERM by exporting the spans it still holds (their export is part of the cost and the
// receiver's count) and exiting normally, so `--cpu-prof` still writes its profile.
if (process.argv[2] === '--consume' || process.argv[2] === '--produce') process.once('SIGTERM', () => void stopTracing().finally(() => process.exit(0)));
if (process.argv[2] === '--consume') {
  void consume(process.argv[3] as Kind, process.argv[4] as string);
} else if (process.argv[2] === '--produce') {
  void produceInChild(process.argv[4] as string);
} else {
  void main();
}

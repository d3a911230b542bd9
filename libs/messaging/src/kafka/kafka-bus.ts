import { Kafka, logLevel, Partitioners, type Admin, type Consumer, type EachBatchPayload, type IHeaders, type KafkaMessage, type Producer } from 'kafkajs';
import { DEAD_LETTER_TOPIC, topicDefinition, type PayloadIn, type TopicName } from '@parley/contracts';
import { startPublishSpans, type ConsumerLag, type Logger, type ServiceMetrics } from '@parley/observability';
import { deliver, type InboundMessage } from '../delivery';
import { FaultInjector } from '../fault-injection';
import { DEFAULT_KEY_CONCURRENCY, KeyOrderedQueue } from '../key-ordered-queue';
import type { BusEntry, BusHealth, MessageBus, MessageHandler, PublishOptions, SubscribeOptions } from '../message-bus';
import { toOutgoingRecord, type OutgoingRecord, type WireRecord } from '../outgoing';
import { defaultRetryPolicy, type RetryPolicy } from '../retry-policy';
import { fixKafkajsRequestQueue } from './request-queue-fix';
import { ensureTopics, physicalTopic, type TopicLayout } from './topic-admin';

export interface KafkaBusOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** The service name, stamped on every message as its producer. */
  readonly service: string;
  readonly layout: TopicLayout;
  readonly retry?: RetryPolicy;
  /** Partitions handled in parallel per consumer group. */
  readonly partitionConcurrency?: number;
  /**
   * Messages of different keys handled at once within one partition (ADR 0012); one key's messages always run one
   * after another, in order. 1 works a partition one message at a time.
   */
  readonly keyConcurrency?: number;
  readonly publishTimeoutMs?: number;
  readonly logger: Logger;
  readonly metrics?: ServiceMetrics;
  readonly faults?: FaultInjector;
}

interface PendingSend {
  readonly records: readonly WireRecord[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

type AnyHandler = MessageHandler<TopicName>;

/**
 * The broker answered OUT_OF_ORDER_SEQUENCE_NUMBER: it and this idempotent producer disagree on a partition's
 * sequence (kafkajs#598; seen on a loaded machine, where a slow broker made the teams-connector's producer fail every
 * later send of a guest sync until the process restarted). Only a new producer (a new producer id) gets past it.
 * kafkajs may hand it over as is or inside a retry or aggregate error.
 */
export function isSequenceDesync(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const e = error as { type?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown };
  if (e.type === 'OUT_OF_ORDER_SEQUENCE_NUMBER') return true;
  if (isSequenceDesync(e.cause, depth + 1) || isSequenceDesync(e.originalError, depth + 1)) return true;
  return Array.isArray(e.errors) && e.errors.some((inner) => isSequenceDesync(inner, depth + 1));
}

const PACEMAKER_INTERVAL_MS = 1_000;
/** Pauses before replacing a consumer kafkajs stopped for good: 1 s, doubling up to 30 s while the broker stays away. */
const CONSUMER_RESTART_FIRST_MS = 1_000;
const CONSUMER_RESTART_MAX_MS = 30_000;
const COMMIT_CHECK_INTERVAL_MS = 1_000;
/**
 * How long a batch may hold the consumer's fetch loop (ADR 0051). kafkajs fetches every partition of a broker in one
 * request and fetches again only once every batch of the previous answer is handled, so one slow batch (a handler
 * waiting for a platform's pacing) held every other partition and topic of the group. A batch still running after
 * this long goes on alone: its partition is paused (kafkajs fetches it no more) and resumed once the batch is done.
 */
export const BATCH_HOLD_MS = 100;
/** After a batch that ended with an error (kept for replay), its partition waits this long before it is fetched again. */
const REPLAY_PAUSE_MS = 1_000;

/**
 * The Kafka adapter (kafkajs). Publishing goes through one idempotent producer; concurrent publish calls are
 * coalesced into one sendBatch while a send is in flight, which keeps per-key order (one request in flight) and
 * still batches under load. Consuming works different keys of a partition concurrently, one key in order
 * (KeyOrderedQueue), and resolves an offset only once it and every earlier offset of the partition are handled or
 * dead-lettered; kafkajs commits only resolved offsets, so a crash replays and never skips.
 */
export class KafkaBus implements MessageBus {
  private readonly kafka: Kafka;
  private producer: Producer;
  /** False after the producer was replaced: the next send connects the new one first. */
  private producerConnected = false;
  private admin: Admin;
  private adminBroken = false;
  private readonly subscriptions = new Map<string, Map<TopicName, AnyHandler>>();
  private readonly consumers: Consumer[] = [];
  private readonly queue: PendingSend[] = [];
  private sending = false;
  private started = false;
  private readonly stopping = new AbortController();
  private readonly crashed = new Map<string, string>();
  /**
   * Per group, bumped whenever its consumer rebalances, rejoins or crashes: a batch running on alone (BATCH_HOLD_MS)
   * from an earlier generation no longer resolves offsets, since its partition may belong to another member now.
   */
  private readonly generations = new Map<string, number>();
  /** Batches running on alone; stop() lets them finish before the consumers leave. */
  private readonly detached = new Set<Promise<void>>();
  private readonly retry: RetryPolicy;
  private readonly faults: FaultInjector;

  constructor(private readonly options: KafkaBusOptions) {
    this.retry = options.retry ?? defaultRetryPolicy;
    this.faults = options.faults ?? FaultInjector.fromEnvironment();
    // kafkajs 2.2.4 spins a 1 ms timer per broker connection while idle (ADR 0056).
    fixKafkajsRequestQueue();
    this.kafka = new Kafka({
      clientId: `${options.clientId}-${options.service}`,
      brokers: [...options.brokers],
      logLevel: logLevel.WARN,
      logCreator: () => (entry) => {
        const { message, ...rest } = entry.log;
        const level = entry.level === logLevel.ERROR ? 'error' : entry.level === logLevel.WARN ? 'warn' : 'debug';
        options.logger[level]({ kafka: rest, namespace: entry.namespace }, message);
      },
      retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5_000 },
      connectionTimeout: 3_000,
    });
    this.producer = this.newProducer();
    this.admin = this.kafka.admin();
  }

  private newProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // The idempotent producer must not give up on its own (kafkajs warns otherwise); publish() has its own deadline.
      retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: Number.MAX_SAFE_INTEGER },
    });
  }

  /** Replaces a producer whose sequence the broker no longer accepts; what failed is sent again by its caller. */
  private renewProducer(error: unknown): void {
    const old = this.producer;
    this.producer = this.newProducer();
    this.producerConnected = false;
    this.options.logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'kafka refused the producer sequence: a new producer takes over');
    void old.disconnect().catch(() => undefined);
  }

  subscribe<T extends TopicName>(topic: T, handler: MessageHandler<T>, options: SubscribeOptions): void {
    if (this.started) throw new Error(`subscribe(${topic}) after start()`);
    const handlers = this.subscriptions.get(options.group) ?? new Map<TopicName, AnyHandler>();
    if (handlers.has(topic)) throw new Error(`group ${options.group} already handles ${topic}`);
    handlers.set(topic, handler as unknown as AnyHandler);
    this.subscriptions.set(options.group, handlers);
  }

  async start(): Promise<void> {
    this.started = true;
    await this.admin.connect();
    const created = await ensureTopics(this.admin, this.options.layout);
    if (created.length) this.options.logger.info({ topics: created.length }, 'created missing topics');
    await this.producer.connect();
    this.producerConnected = true;
    for (const [group, handlers] of this.subscriptions) await this.startConsumer(group, handlers);
  }

  async publish<T extends TopicName>(topic: T, payload: PayloadIn<T>, options?: PublishOptions): Promise<void> {
    await this.send([toOutgoingRecord(topic, payload, this.options.service, options)]);
  }

  async publishAll(entries: readonly BusEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.send(entries.map((e) => toOutgoingRecord(e.topic, e.payload as never, this.options.service, e.options)));
  }

  async publishRecords(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length > 0) await this.send(records);
  }

  async republish(record: WireRecord): Promise<void> {
    await this.send([record]);
  }

  async health(): Promise<BusHealth> {
    if (this.crashed.size > 0) {
      return { ok: false, detail: `consumer stopped: ${[...this.crashed].map(([g, e]) => `${g}: ${e}`).join('; ')}` };
    }
    try {
      if (this.adminBroken) {
        // A fresh admin client: the old one can keep dead broker connections after the broker comes back.
        const previous = this.admin;
        this.admin = this.kafka.admin();
        void previous.disconnect().catch(() => undefined);
        await withTimeout(this.admin.connect(), 2_000, 'kafka did not accept a connection within 2 s');
        this.adminBroken = false;
      }
      const cluster = await withTimeout(this.admin.describeCluster(), 2_000, 'kafka did not answer within 2 s');
      return { ok: true, detail: `${cluster.brokers.length} broker(s), controller ${cluster.controller}` };
    } catch (error) {
      this.adminBroken = true;
      return { ok: false, detail: (error as Error).message };
    }
  }

  /**
   * Per group of this bus, topic and partition: the partition's end offset minus the group's committed offset (from
   * the beginning when the group has committed nothing yet). Read with the admin client, at most 2 s per scrape.
   */
  async consumerLag(): Promise<ConsumerLag[]> {
    if (!this.started || this.adminBroken || this.subscriptions.size === 0) return [];
    const { layout } = this.options;
    const out: ConsumerLag[] = [];
    const topics = new Set<TopicName>();
    for (const handlers of this.subscriptions.values()) for (const topic of handlers.keys()) topics.add(topic);
    const ends = new Map<TopicName, { partition: number; high: number; low: number }[]>();
    await withTimeout(
      (async () => {
        for (const topic of topics) {
          const offsets = await this.admin.fetchTopicOffsets(physicalTopic(layout, topic));
          ends.set(topic, offsets.map((o) => ({ partition: o.partition, high: Number(o.high), low: Number(o.low) })));
        }
        for (const [group, handlers] of this.subscriptions) {
          const byPhysical = new Map([...handlers.keys()].map((t) => [physicalTopic(layout, t), t] as const));
          const committed = await this.admin.fetchOffsets({ groupId: `${layout.prefix}${group}`, topics: [...byPhysical.keys()] });
          for (const { topic: physical, partitions } of committed) {
            const topic = byPhysical.get(physical);
            if (!topic) continue;
            for (const end of ends.get(topic) ?? []) {
              const offset = Number(partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
              const from = offset >= 0 ? offset : end.low;
              out.push({ group, topic, partition: end.partition, lag: Math.max(0, end.high - from) });
            }
          }
        }
      })(),
      2_000,
      'kafka did not answer the lag query within 2 s',
    );
    return out;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    // Consumers first: kafkajs waits for the batch in flight, which stops at the next message boundary and commits
    // what it finished; batches running on alone do the same, and are waited for here. Then the producer, so dead
    // letters written during those batches still go out.
    await Promise.allSettled([...this.detached]);
    await Promise.allSettled(this.consumers.map((c) => c.disconnect()));
    // A batch that went on alone while the consumers were leaving.
    await Promise.allSettled([...this.detached]);
    await this.drainQueue();
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
  }

  private async send(records: readonly WireRecord[]): Promise<void> {
    const sent = new Promise<void>((resolve, reject) => this.queue.push({ records, resolve, reject }));
    void this.flush();
    const timeout = this.options.publishTimeoutMs ?? 30_000;
    await withTimeout(sent, timeout, `publish not acknowledged by kafka within ${timeout} ms`);
    for (const r of records) this.options.metrics?.messagesPublished.inc({ topic: r.topic });
  }

  /** One sendBatch in flight at a time; whatever queued meanwhile goes out together in the next one. */
  private async flush(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.queue.length);
        const byTopic = new Map<string, { key: string | null; value: Buffer | string | null; headers: IHeaders }[]>();
        // Each record's send span is a child of the trace context it carries, not of whichever caller started the flush.
        const spans = startPublishSpans(batch.flatMap((pending) => pending.records));
        let index = 0;
        for (const pending of batch) {
          for (const r of pending.records) {
            const name = physicalTopic(this.options.layout, r.topic);
            const list = byTopic.get(name) ?? [];
            // The send span's headers are already a fresh copy; otherwise copy the caller's.
            list.push({ key: r.key, value: r.value, headers: spans?.headers[index] ?? { ...r.headers } });
            byTopic.set(name, list);
            index++;
          }
        }
        try {
          if (!this.producerConnected) {
            await this.producer.connect();
            this.producerConnected = true;
          }
          await this.producer.sendBatch({
            acks: -1,
            topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
          });
          spans?.end();
          for (const pending of batch) pending.resolve();
        } catch (error) {
          spans?.end(error);
          if (isSequenceDesync(error)) this.renewProducer(error);
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.sending = false;
    }
  }

  private async drainQueue(): Promise<void> {
    while (this.sending || this.queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  private async startConsumer(group: string, handlers: Map<TopicName, AnyHandler>): Promise<void> {
    const { layout } = this.options;
    const consumer = this.kafka.consumer({
      groupId: `${layout.prefix}${group}`,
      allowAutoTopicCreation: false,
      // A member that dies without leaving (SIGKILL, OOM) holds its partitions until its session times out: the
      // group's rebalance waits for it. 10 s (the broker's minimum is 6 s) with a heartbeat every 3 s, kept up by
      // the pacemaker however long a handler runs.
      sessionTimeout: 10_000,
      heartbeatInterval: 3_000,
      maxWaitTimeInMs: 1_000,
      retry: { initialRetryTime: 300, retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 10_000 },
    });
    const byPhysical = new Map<string, TopicName>();
    for (const topic of handlers.keys()) byPhysical.set(physicalTopic(layout, topic), topic);

    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      // kafkajs gives up on errors it calls non-retriable (a group coordinator not found while the broker comes back,
      // a dead letter that could not be written): the consumer would stay stopped until the process restarted.
      this.crashed.set(group, payload.error.message);
      void this.restartConsumer(group, handlers, consumer);
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.crashed.delete(group);
      this.nextGeneration(group);
    });
    consumer.on(consumer.events.REBALANCING, () => this.nextGeneration(group));
    consumer.on(consumer.events.CRASH, () => this.nextGeneration(group));

    this.consumers.push(consumer);
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...byPhysical.keys()], fromBeginning: true });
    } catch (error) {
      this.consumers.splice(this.consumers.indexOf(consumer), 1);
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    // Not awaited: run() resolves only once the group is joined, and a join waits for the session of a member that
    // died without leaving (a restart after SIGKILL) to time out. The service meanwhile takes its HTTP calls (a
    // connector stores platform events, which the platforms retry for only so long: ADR 0043); a join that fails
    // goes to the crash handler above, like any later crash.
    consumer
      .run({
        autoCommit: true,
        autoCommitInterval: 1_000,
        autoCommitThreshold: 200,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.options.partitionConcurrency ?? layout.partitions,
        eachBatch: (payload) => this.handleBatch(group, byPhysical, handlers, payload),
      })
      .catch((error: unknown) => {
        if (this.stopping.signal.aborted || !this.consumers.includes(consumer)) return;
        this.crashed.set(group, error instanceof Error ? error.message : String(error));
        void this.restartConsumer(group, handlers, consumer);
      });
  }

  /**
   * Replaces a consumer kafkajs stopped for good with a new one of the same group, with a growing pause between tries
   * while the broker stays away. Only resolved offsets were committed, so the new consumer replays what was in
   * flight; readiness reports the group as stopped until the new consumer joins.
   */
  private async restartConsumer(group: string, handlers: Map<TopicName, AnyHandler>, stopped: Consumer): Promise<void> {
    const index = this.consumers.indexOf(stopped);
    if (index >= 0) this.consumers.splice(index, 1);
    await stopped.disconnect().catch(() => undefined);
    for (let attempt = 1; !this.stopping.signal.aborted; attempt++) {
      const pause = Math.min(CONSUMER_RESTART_MAX_MS, CONSUMER_RESTART_FIRST_MS * 2 ** (attempt - 1));
      this.options.logger.warn({ group, attempt, restartInMs: pause, reason: this.crashed.get(group) }, 'kafka consumer stopped; starting a new one');
      await new Promise((resolve) => setTimeout(resolve, pause));
      if (this.stopping.signal.aborted) return;
      try {
        await this.startConsumer(group, handlers);
        return;
      } catch (error) {
        this.crashed.set(group, error instanceof Error ? error.message : String(error));
      }
    }
  }

  private nextGeneration(group: string): void {
    this.generations.set(group, (this.generations.get(group) ?? 0) + 1);
  }

  private async handleBatch(
    group: string,
    byPhysical: Map<string, TopicName>,
    handlers: Map<TopicName, AnyHandler>,
    { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, uncommittedOffsets, pause, isRunning, isStale }: EachBatchPayload,
  ): Promise<void> {
    const topic = byPhysical.get(batch.topic);
    if (!topic) throw new Error(`no handler for ${batch.topic}`);
    const handler = handlers.get(topic) as AnyHandler;
    const generation = this.generations.get(group) ?? 0;
    const current = () => (this.generations.get(group) ?? 0) === generation;
    // One pacemaker per batch keeps the group membership alive however long a handler runs; kafkajs throttles
    // heartbeat() to its interval, so calling it often is cheap.
    const pacemaker = setInterval(() => void heartbeat().catch(() => undefined), PACEMAKER_INTERVAL_MS);
    // Once the batch runs on alone, kafkajs's own loop heartbeats again; ours would keep its throttled heartbeat from
    // ever going out and swallow the rebalance it answers, so the member would never rejoin while the batch runs.
    let alone = false;
    const deps = {
      group,
      policy: this.retry,
      logger: this.options.logger,
      metrics: this.options.metrics,
      faults: this.faults,
      heartbeat: () => (alone ? Promise.resolve() : heartbeat()),
      signal: this.stopping.signal,
      deadLetter: (payload: PayloadIn<typeof DEAD_LETTER_TOPIC>, options: { correlationId?: string; headers: Record<string, string> }) =>
        this.deadLetter(payload, options),
    };
    const queue = new KeyOrderedQueue<KafkaMessage>({
      limit: topicDefinition(topic).keyConcurrency ?? this.options.keyConcurrency ?? DEFAULT_KEY_CONCURRENCY,
      work: async (message) => {
        const inbound: InboundMessage = {
          topic,
          key: message.key?.toString('utf8') ?? null,
          value: message.value,
          headers: decodeHeaders(message.headers),
          partition: batch.partition,
          offset: message.offset,
        };
        await deliver(inbound, handler, deps);
      },
      // Only now is the fate of this message and of every earlier one durable: the next commit may include it. Not
      // after a rebalance: the partition may be another member's, which starts from the last commit (and finds
      // these messages handled, consumers being idempotent).
      onCommittable: (message) => {
        if (current()) resolveOffset(message.offset);
      },
      // Stop starting messages at shutdown or rebalance; those in flight finish, the rest stay uncommitted.
      canStart: () => isRunning() && !isStale() && !this.stopping.signal.aborted && current(),
    });
    for (const message of batch.messages) queue.push(message.key?.toString('utf8') ?? null, message);
    const finished = this.workThrough(queue, commitOffsetsIfNecessary);

    let held: NodeJS.Timeout | undefined;
    let quick: boolean;
    try {
      quick = await Promise.race([finished.then(() => true), new Promise<boolean>((resolve) => (held = setTimeout(() => resolve(false), BATCH_HOLD_MS)))]);
    } catch (error) {
      clearInterval(pacemaker);
      throw error;
    } finally {
      clearTimeout(held);
    }
    if (quick || this.stopping.signal.aborted) {
      // Stopping: kafkajs waits for this call before it leaves the group, so the batch ends here.
      try {
        if (!quick) await finished;
      } finally {
        clearInterval(pacemaker);
      }
      // A delivery that is not durable (shutdown mid-retry, dead-letter topic unreachable): kafkajs replays from the
      // first unfinished offset.
      if (queue.error) throw queue.error.error;
      return;
    }

    // Slow: the batch goes on alone, and the fetch loop on to the other partitions (ADR 0051).
    const resume = pause();
    alone = true;
    clearInterval(pacemaker);
    const running = (async () => {
      try {
        await finished;
        const uncommitted = uncommittedOffsets();
        if (current() && uncommitted.topics.length > 0) await commitOffsetsIfNecessary(uncommitted);
      } catch (error) {
        this.options.logger.warn({ group, topic, partition: batch.partition, error: error instanceof Error ? error.message : String(error) }, 'could not commit a batch that ran on alone; it is replayed');
        // A commit check failed mid-batch: its messages in flight finish before the partition is fetched again, so no
        // key of it runs twice at once in this process.
        await queue.idle();
      }
      // What did not finish is fetched again from the first unfinished offset once the partition is resumed.
      if (queue.error) {
        this.options.logger.warn({ group, topic, partition: batch.partition, error: String(queue.error.error) }, 'a batch ended unfinished; its partition is fetched again shortly');
        await new Promise((resolve) => setTimeout(resolve, REPLAY_PAUSE_MS));
      }
      resume();
    })();
    this.detached.add(running);
    void running.finally(() => this.detached.delete(running));
  }

  /** Runs a batch's queue to its end, offering kafkajs a commit once a second in a long one. */
  private async workThrough(queue: KeyOrderedQueue<KafkaMessage>, commitOffsetsIfNecessary: EachBatchPayload['commitOffsetsIfNecessary']): Promise<void> {
    let lastCommitCheck = Date.now();
    let idle = false;
    const settled = queue.idle().then(() => {
      idle = true;
    });
    while (!idle) {
      await Promise.race([settled, queue.changed()]);
      // kafkajs commits resolved offsets at the end of every batch; inside a long batch, offer a commit once a
      // second rather than per message (each check walks every partition's offsets).
      if (!idle && Date.now() - lastCommitCheck >= COMMIT_CHECK_INTERVAL_MS) {
        lastCommitCheck = Date.now();
        await commitOffsetsIfNecessary();
      }
    }
  }

  private async deadLetter(
    payload: PayloadIn<typeof DEAD_LETTER_TOPIC>,
    options: { correlationId?: string; headers: Record<string, string> },
  ): Promise<void> {
    await this.send([toOutgoingRecord(DEAD_LETTER_TOPIC, payload, this.options.service, options)]);
  }
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const name in headers) {
    const value = headers[name];
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}


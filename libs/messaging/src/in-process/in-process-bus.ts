import { createHash } from 'node:crypto';
import { DEAD_LETTER_TOPIC, decodeMessage, type Payload, type PayloadIn, type TopicName } from '@parley/contracts';
import { startPublishSpans, type ConsumerLag, type Logger, type ServiceMetrics } from '@parley/observability';
import { deliver } from '../delivery';
import { FaultInjector } from '../fault-injection';
import { DEFAULT_KEY_CONCURRENCY, KeyOrderedQueue } from '../key-ordered-queue';
import type { BusEntry, BusHealth, MessageBus, MessageHandler, PublishOptions, SubscribeOptions } from '../message-bus';
import { toOutgoingRecord, type OutgoingRecord, type WireRecord } from '../outgoing';
import { defaultRetryPolicy, type RetryPolicy } from '../retry-policy';

export interface InProcessBusOptions {
  readonly service: string;
  readonly retry?: RetryPolicy;
  readonly logger: Logger;
  readonly metrics?: ServiceMetrics;
}

export interface InProcessBrokerOptions {
  /** Messages of different keys handled at once per lane, as the Kafka adapter does per partition (ADR 0012). */
  readonly keyConcurrency?: number;
}

type AnyHandler = MessageHandler<TopicName>;

interface Subscriber {
  readonly handler: AnyHandler;
  readonly bus: InProcessBus;
}

interface Group {
  readonly subscribers: Map<TopicName, Subscriber>;
  readonly lanes: KeyOrderedQueue<Queued>[];
}

interface Queued {
  readonly record: WireRecord;
  readonly partition: number;
}

/**
 * The embedded mode's bus: the same contract as Kafka (validation on both sides, per-key order with different keys
 * handled concurrently, retries, dead letters) inside one process. Messages live in memory, so durability in this
 * mode comes from the outbox tables. Every service in the process shares one broker instance through its own bus
 * facade. A consumer group outlives its consumer, as in Kafka: what a stopped consumer did not finish is delivered to
 * the group's next consumer once that one starts.
 */
export class InProcessBroker {
  private readonly groups = new Map<string, Group>();
  private readonly deadLetters: Payload<typeof DEAD_LETTER_TOPIC>[] = [];
  private readonly keyConcurrency: number;
  private closed = false;

  /** `partitions`: order lanes per group, like a topic's partitions: same key, same lane. */
  constructor(
    readonly partitions = 12,
    options: InProcessBrokerOptions = {},
  ) {
    this.keyConcurrency = options.keyConcurrency ?? DEFAULT_KEY_CONCURRENCY;
  }

  register(group: string, topic: TopicName, handler: AnyHandler, bus: InProcessBus): void {
    const entry = this.groups.get(group) ?? this.createGroup(group);
    // A stopped consumer's subscriptions go when the group's next consumer subscribes.
    for (const [t, s] of entry.subscribers) if (s.bus.isStopped) entry.subscribers.delete(t);
    if (entry.subscribers.has(topic)) throw new Error(`group ${group} already handles ${topic}`);
    entry.subscribers.set(topic, { handler, bus });
  }

  /** The bus started: groups it consumes that a stopped consumer left halted go on with what it left. */
  attach(bus: InProcessBus): void {
    for (const entry of this.groups.values()) {
      if (![...entry.subscribers.values()].some((s) => s.bus === bus)) continue;
      for (const lane of entry.lanes) if (lane.isHalted) lane.resume();
    }
  }

  /** The bus stopped: its groups start nothing new; what it left unfinished waits for the group's next consumer. */
  detach(bus: InProcessBus): void {
    for (const entry of this.groups.values()) {
      if (![...entry.subscribers.values()].some((s) => s.bus === bus)) continue;
      for (const lane of entry.lanes) lane.halt();
    }
  }

  dispatch(record: WireRecord): void {
    if (this.closed) throw new Error('in-process broker is closed');
    if (record.topic === DEAD_LETTER_TOPIC) this.deadLetters.push(decodeMessage(DEAD_LETTER_TOPIC, record.value).payload);
    const partition = partitionOf(record.key ?? '', this.partitions);
    for (const entry of this.groups.values()) {
      if (!entry.subscribers.has(record.topic)) continue;
      (entry.lanes[partition] as KeyOrderedQueue<Queued>).push(record.key, { record, partition });
    }
  }

  /** Resolves when no handler runs and nothing more can start: used by graceful shutdown and tests. */
  async drain(): Promise<void> {
    for (;;) {
      const lanes = [...this.groups.values()].flatMap((g) => g.lanes);
      if (lanes.every((l) => l.inFlight === 0 && (l.isHalted || l.unfinished === 0))) return;
      await Promise.all(lanes.map((l) => l.idle()));
    }
  }

  /** What the given groups have not finished, per topic and lane: the in-process equivalent of consumer lag. */
  lagOf(groups: ReadonlySet<string>): ConsumerLag[] {
    const out: ConsumerLag[] = [];
    for (const [group, entry] of this.groups) {
      if (!groups.has(group)) continue;
      entry.lanes.forEach((lane, partition) => {
        const byTopic = new Map<TopicName, number>();
        for (const { record } of lane.unfinishedItems()) byTopic.set(record.topic, (byTopic.get(record.topic) ?? 0) + 1);
        for (const topic of entry.subscribers.keys()) out.push({ group, topic, partition, lag: byTopic.get(topic) ?? 0 });
      });
    }
    return out;
  }

  deadLettered(): readonly Payload<typeof DEAD_LETTER_TOPIC>[] {
    return this.deadLetters;
  }

  close(): void {
    this.closed = true;
  }

  private createGroup(group: string): Group {
    const entry: Group = { subscribers: new Map(), lanes: [] };
    for (let i = 0; i < this.partitions; i++) {
      entry.lanes.push(
        new KeyOrderedQueue<Queued>({
          limit: this.keyConcurrency,
          work: async ({ record, partition }) => {
            const subscriber = entry.subscribers.get(record.topic);
            // The group's current consumer does not subscribe this topic (any more): nothing to deliver to.
            if (!subscriber) return;
            try {
              await subscriber.bus.handle(group, record, partition, subscriber.handler);
            } catch (error) {
              subscriber.bus.reportUnfinished(group, record, error);
              throw error;
            }
          },
        }),
      );
    }
    this.groups.set(group, entry);
    return entry;
  }
}

export class InProcessBus implements MessageBus {
  private readonly retry: RetryPolicy;
  private readonly stopping = new AbortController();
  private started = false;
  private stopped = false;
  private readonly groups = new Set<string>();

  constructor(
    private readonly broker: InProcessBroker,
    private readonly options: InProcessBusOptions,
  ) {
    this.retry = options.retry ?? defaultRetryPolicy;
  }

  subscribe<T extends TopicName>(topic: T, handler: MessageHandler<T>, options: SubscribeOptions): void {
    if (this.started) throw new Error(`subscribe(${topic}) after start()`);
    this.broker.register(options.group, topic, handler as unknown as AnyHandler, this);
    this.groups.add(options.group);
  }

  async consumerLag(): Promise<ConsumerLag[]> {
    return this.broker.lagOf(this.groups);
  }

  async publish<T extends TopicName>(topic: T, payload: PayloadIn<T>, options?: PublishOptions): Promise<void> {
    this.send([toOutgoingRecord(topic, payload, this.options.service, options)]);
  }

  async publishAll(entries: readonly BusEntry[]): Promise<void> {
    // Validate everything first: a bad entry rejects the whole call before anything is dispatched.
    this.send(entries.map((e) => toOutgoingRecord(e.topic, e.payload as never, this.options.service, e.options)));
  }

  async publishRecords(records: readonly OutgoingRecord[]): Promise<void> {
    this.send(records);
  }

  async republish(record: WireRecord): Promise<void> {
    this.send([record]);
  }

  /** Dispatches in order, each record in a send span continuing the trace it carries (as the Kafka adapter does). */
  private send(records: readonly WireRecord[]): void {
    const spans = startPublishSpans(records);
    try {
      records.forEach((record, i) => {
        this.broker.dispatch(spans ? { ...record, headers: spans.headers[i] ?? record.headers } : record);
        this.options.metrics?.messagesPublished.inc({ topic: record.topic });
      });
      spans?.end();
    } catch (error) {
      spans?.end(error);
      throw error;
    }
  }

  async start(): Promise<void> {
    this.started = true;
    this.broker.attach(this);
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /**
   * Like a Kafka consumer leaving: a retry wait in flight ends (its message stays unfinished), handlers in flight
   * finish, queued messages are still handled unless a key's earlier message is unfinished, then the group waits for
   * its next consumer.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.broker.drain();
    this.stopped = true;
    this.broker.detach(this);
  }

  async health(): Promise<BusHealth> {
    return { ok: true, detail: 'in-process bus' };
  }

  /** @internal called by the broker on this bus's lane */
  async handle(group: string, record: WireRecord, partition: number, handler: AnyHandler): Promise<void> {
    await deliver({ topic: record.topic, key: record.key, value: record.value, headers: record.headers, partition }, handler, {
      group,
      policy: this.retry,
      logger: this.options.logger,
      metrics: this.options.metrics,
      faults: FaultInjector.none(),
      heartbeat: async () => undefined,
      signal: this.stopping.signal,
      deadLetter: async (payload, options) => this.send([toOutgoingRecord(DEAD_LETTER_TOPIC, payload, this.options.service, options)]),
    });
  }

  /** @internal a delivery that neither succeeded nor dead-lettered (only when shutting down): kept for the next consumer */
  reportUnfinished(group: string, record: WireRecord, error: unknown): void {
    this.options.logger.warn({ err: error, group, topic: record.topic, key: record.key }, 'in-process delivery left for the next consumer');
  }
}

/** murmur-free but stable: the first 4 bytes of SHA-1 of the key, like a hash partitioner. */
function partitionOf(key: string, partitions: number): number {
  return createHash('sha1').update(key).digest().readUInt32BE(0) % partitions;
}

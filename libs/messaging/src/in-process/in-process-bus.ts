import { createHash } from 'node:crypto';
import { DEAD_LETTER_TOPIC, decodeMessage, type Payload, type PayloadIn, type TopicName } from '@parley/contracts';
import type { Logger, ServiceMetrics } from '@parley/observability';
import { deliver } from '../delivery';
import { FaultInjector } from '../fault-injection';
import type { BusEntry, BusHealth, MessageBus, MessageHandler, PublishOptions, SubscribeOptions } from '../message-bus';
import { toOutgoingRecord, type OutgoingRecord, type WireRecord } from '../outgoing';
import { defaultRetryPolicy, type RetryPolicy } from '../retry-policy';

export interface InProcessBusOptions {
  readonly service: string;
  /** Order lanes per group, like a topic's partitions: same key, same lane, strict order. */
  readonly partitions?: number;
  readonly retry?: RetryPolicy;
  readonly logger: Logger;
  readonly metrics?: ServiceMetrics;
}

type AnyHandler = MessageHandler<TopicName>;

interface Lane {
  tail: Promise<void>;
  pending: number;
}

/**
 * The embedded mode's bus: the same contract as Kafka (validation on both sides, per-key order, retries, dead
 * letters) inside one process. Messages live in memory, so durability in this mode comes from the outbox tables.
 * Every service in the process shares one broker instance (see InProcessBroker) through its own bus facade.
 */
export class InProcessBroker {
  private readonly groups = new Map<string, { handlers: Map<TopicName, AnyHandler>; lanes: Lane[]; bus: InProcessBus }>();
  private readonly deadLetters: Payload<typeof DEAD_LETTER_TOPIC>[] = [];
  private closed = false;

  constructor(readonly partitions = 12) {}

  register(group: string, topic: TopicName, handler: AnyHandler, bus: InProcessBus): void {
    const entry = this.groups.get(group) ?? {
      handlers: new Map<TopicName, AnyHandler>(),
      lanes: Array.from({ length: this.partitions }, () => ({ tail: Promise.resolve(), pending: 0 })),
      bus,
    };
    if (entry.handlers.has(topic)) throw new Error(`group ${group} already handles ${topic}`);
    entry.handlers.set(topic, handler);
    this.groups.set(group, entry);
  }

  dispatch(record: WireRecord): void {
    if (this.closed) throw new Error('in-process broker is closed');
    if (record.topic === DEAD_LETTER_TOPIC) this.deadLetters.push(decodeMessage(DEAD_LETTER_TOPIC, record.value).payload);
    for (const [group, entry] of this.groups) {
      const handler = entry.handlers.get(record.topic);
      if (!handler) continue;
      const partition = partitionOf(record.key ?? '', this.partitions);
      const lane = entry.lanes[partition] as Lane;
      lane.pending++;
      lane.tail = lane.tail
        .then(() => entry.bus.handle(group, record, partition, handler))
        .catch((error) => entry.bus.reportLost(group, record, error))
        .finally(() => {
          lane.pending--;
        });
    }
  }

  /** Resolves when every queued message has been handled: used by graceful shutdown and tests. */
  async drain(): Promise<void> {
    for (;;) {
      const lanes = [...this.groups.values()].flatMap((g) => g.lanes);
      if (lanes.every((l) => l.pending === 0)) return;
      await Promise.all(lanes.map((l) => l.tail));
    }
  }

  deadLettered(): readonly Payload<typeof DEAD_LETTER_TOPIC>[] {
    return this.deadLetters;
  }

  close(): void {
    this.closed = true;
  }
}

export class InProcessBus implements MessageBus {
  private readonly retry: RetryPolicy;
  private readonly stopping = new AbortController();
  private started = false;

  constructor(
    private readonly broker: InProcessBroker,
    private readonly options: InProcessBusOptions,
  ) {
    this.retry = options.retry ?? defaultRetryPolicy;
  }

  subscribe<T extends TopicName>(topic: T, handler: MessageHandler<T>, options: SubscribeOptions): void {
    if (this.started) throw new Error(`subscribe(${topic}) after start()`);
    this.broker.register(options.group, topic, handler as unknown as AnyHandler, this);
  }

  async publish<T extends TopicName>(topic: T, payload: PayloadIn<T>, options?: PublishOptions): Promise<void> {
    this.broker.dispatch(toOutgoingRecord(topic, payload, this.options.service, options));
    this.options.metrics?.messagesPublished.inc({ topic });
  }

  async publishAll(entries: readonly BusEntry[]): Promise<void> {
    // Validate everything first: a bad entry rejects the whole call before anything is dispatched.
    const records = entries.map((e) => toOutgoingRecord(e.topic, e.payload as never, this.options.service, e.options));
    for (const record of records) {
      this.broker.dispatch(record);
      this.options.metrics?.messagesPublished.inc({ topic: record.topic });
    }
  }

  async publishRecords(records: readonly OutgoingRecord[]): Promise<void> {
    for (const record of records) {
      this.broker.dispatch(record);
      this.options.metrics?.messagesPublished.inc({ topic: record.topic });
    }
  }

  async republish(record: WireRecord): Promise<void> {
    this.broker.dispatch(record);
    this.options.metrics?.messagesPublished.inc({ topic: record.topic });
  }

  async start(): Promise<void> {
    this.started = true;
  }

  async stop(): Promise<void> {
    await this.broker.drain();
    this.stopping.abort();
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
      deadLetter: async (payload, options) => this.broker.dispatch(toOutgoingRecord(DEAD_LETTER_TOPIC, payload, this.options.service, options)),
    });
  }

  /** @internal a delivery that neither succeeded nor dead-lettered (only possible when shutting down) */
  reportLost(group: string, record: WireRecord, error: unknown): void {
    this.options.logger.error({ err: error, group, topic: record.topic, key: record.key }, 'in-process delivery abandoned');
  }
}

/** murmur-free but stable: the first 4 bytes of SHA-1 of the key, like a hash partitioner. */
function partitionOf(key: string, partitions: number): number {
  return createHash('sha1').update(key).digest().readUInt32BE(0) % partitions;
}

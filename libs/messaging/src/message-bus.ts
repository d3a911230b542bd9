import type { MessageHeaders, Payload, PayloadIn, TopicName } from '@parley/contracts';
import type { ConsumerLag } from '@parley/observability';
import type { OutgoingRecord, WireRecord } from './outgoing';

export interface PublishOptions {
  /** Defaults to the correlation id of the message or request being handled, else a new one. */
  readonly correlationId?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** One message to publish; a union over the catalog, so a mixed batch still type-checks per entry. */
export type BusEntry = {
  [T in TopicName]: { readonly topic: T; readonly payload: PayloadIn<T>; readonly options?: PublishOptions };
}[TopicName];

export interface MessageContext<T extends TopicName = TopicName> {
  readonly topic: T;
  readonly key: string;
  readonly eventId: string;
  readonly correlationId: string;
  readonly orgId?: string;
  /** The service that produced the event. */
  readonly producer: string;
  /** Kafka headers as received (usually empty: event metadata is in the envelope). */
  readonly headers: MessageHeaders;
  readonly group: string;
  readonly partition: number;
  readonly offset?: string;
  /** 1 on first delivery to the handler, then 2, 3... on in-place retries. */
  readonly attempt: number;
  /** Keeps the consumer's group membership alive during long work (also done automatically). */
  heartbeat(): Promise<void>;
}

export type MessageHandler<T extends TopicName> = (payload: Payload<T>, context: MessageContext<T>) => Promise<void>;

export interface SubscribeOptions {
  /** The consumer group: each group gets every message once; replicas of one service share a group. */
  readonly group: string;
}

export interface BusHealth {
  readonly ok: boolean;
  readonly detail: string;
}

/**
 * The typed publish/subscribe port. Producers validate before sending; consumers validate before handling; a
 * handler's offset is committed only after it returns; failures are retried in place, then dead-lettered.
 */
export interface MessageBus {
  publish<T extends TopicName>(topic: T, payload: PayloadIn<T>, options?: PublishOptions): Promise<void>;
  /** Publishes in order; entries with the same key keep their relative order. */
  publishAll(entries: readonly BusEntry[]): Promise<void>;
  /**
   * Sends records that were validated and stamped earlier (by the outbox at enqueue time), keeping their event ids,
   * so a replayed outbox row is recognised downstream as the same event.
   */
  publishRecords(records: readonly OutgoingRecord[]): Promise<void>;
  /**
   * Sends a message again as it was first sent (topic, key, bytes, headers), without validating or stamping it:
   * the operator's retry of a dead letter. Its envelope keeps its event id, so idempotent consumers apply it once.
   */
  republish(record: WireRecord): Promise<void>;
  /** Register before start(). */
  subscribe<T extends TopicName>(topic: T, handler: MessageHandler<T>, options: SubscribeOptions): void;
  start(): Promise<void>;
  /** Stops fetching, lets in-flight handlers finish, commits what they finished, disconnects. */
  stop(): Promise<void>;
  health(): Promise<BusHealth>;
  /**
   * Messages not yet committed by this bus's consumer groups, per group, topic and partition (the `/metrics` consumer
   * lag). Optional: a test double need not have it.
   */
  consumerLag?(): Promise<ConsumerLag[]>;
}

/** Throw from a handler for a failure that retrying cannot fix: it goes straight to the dead-letter topic. */
export class NonRetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRetryableError';
  }
}

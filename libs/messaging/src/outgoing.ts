import { randomUUID } from 'node:crypto';
import { encodeMessage, type PayloadIn, type TopicName } from '@parley/contracts';
import { currentLogContext, traceContextHeaders } from '@parley/observability';
import type { PublishOptions } from './message-bus';

export interface OutgoingRecord {
  readonly topic: TopicName;
  readonly key: string;
  /** The event envelope (id, source, time, correlation id, data) as JSON. */
  readonly value: string;
  /** Kafka headers: empty unless the caller passes some (trace context, dead-letter reason). */
  readonly headers: Record<string, string>;
}

/**
 * A message exactly as it travels: what a dead letter keeps of the original, and what an operator's retry sends
 * again unchanged (the bytes may be neither valid for the contract nor text, and the key may be absent).
 */
export interface WireRecord {
  readonly topic: TopicName;
  readonly key: string | null;
  readonly value: Buffer | string | null;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Validates and encodes a payload in its envelope with a new event id. The correlation id follows the work: a
 * message published while handling another carries the same id unless the caller says otherwise; so does the W3C
 * trace context when tracing is on.
 */
export function toOutgoingRecord<T extends TopicName>(
  topic: T,
  payload: PayloadIn<T>,
  producer: string,
  options: PublishOptions = {},
): OutgoingRecord {
  const { key, value } = encodeMessage(topic, payload, {
    id: randomUUID(),
    source: producer,
    time: new Date().toISOString(),
    correlationId: options.correlationId ?? currentLogContext().correlationId,
  });
  // The trace context of the work in hand travels with the record: through the outbox row (its headers column) too,
  // so an event the relay publishes later continues the request's trace (ADR 0025).
  return { topic, key, value, headers: { ...traceContextHeaders(), ...options.headers } };
}

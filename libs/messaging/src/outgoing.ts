import { randomUUID } from 'node:crypto';
import { encodeMessage, MessageHeader, type PayloadIn, type TopicName } from '@parley/contracts';
import { currentLogContext } from '@parley/observability';
import type { PublishOptions } from './message-bus';

export interface OutgoingRecord {
  readonly topic: TopicName;
  readonly key: string;
  readonly value: string;
  readonly headers: Record<string, string>;
}

/**
 * Validates and encodes a payload and stamps the standard headers. The correlation id follows the work: a message
 * published while handling another carries the same id unless the caller says otherwise.
 */
export function toOutgoingRecord<T extends TopicName>(
  topic: T,
  payload: PayloadIn<T>,
  producer: string,
  options: PublishOptions = {},
): OutgoingRecord {
  const { key, value } = encodeMessage(topic, payload);
  const eventId = randomUUID();
  const correlationId = options.correlationId ?? currentLogContext().correlationId;
  const headers: Record<string, string> = {
    [MessageHeader.eventId]: eventId,
    [MessageHeader.producer]: producer,
    ...(correlationId && correlationId !== eventId ? { [MessageHeader.correlationId]: correlationId } : {}),
    ...options.headers,
  };
  return { topic, key, value, headers };
}

/**
 * Kafka header names Parley uses. Event metadata (id, source, time, correlation id) is in the value's envelope, not
 * here: kafkajs spends several microseconds per header per record, and headers are dropped by some tooling.
 */
export const MessageHeader = {
  /** W3C trace context, passed through when present. */
  traceparent: 'traceparent',
  /** Set on dead letters: why the message failed (the full reason is in the payload). */
  deadLetterReason: 'parley-dead-letter-reason',
} as const;

export type MessageHeaders = Readonly<Record<string, string>>;

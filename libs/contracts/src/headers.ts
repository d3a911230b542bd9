/**
 * Header names of Parley messages (W3C trace context uses its standard name). Kept few on purpose: every header is
 * encoded per record and costs throughput. The org id is in every payload, the produce time is the record's own
 * timestamp, and the correlation id is sent only when it differs from the event id.
 */
export const MessageHeader = {
  eventId: 'parley-event-id',
  correlationId: 'parley-correlation-id',
  producer: 'parley-producer',
  traceparent: 'traceparent',
  /** Set on dead letters: why and where the message failed. */
  deadLetterReason: 'parley-dead-letter-reason',
} as const;

export type MessageHeaders = Readonly<Record<string, string>>;

/** Header names every Parley message carries (W3C trace context uses its standard name). */
export const MessageHeader = {
  eventId: 'parley-event-id',
  correlationId: 'parley-correlation-id',
  orgId: 'parley-org-id',
  producedAt: 'parley-produced-at',
  producer: 'parley-producer',
  traceparent: 'traceparent',
  /** Set on dead letters: why and where the message failed. */
  deadLetterReason: 'parley-dead-letter-reason',
} as const;

export type MessageHeaders = Readonly<Record<string, string>>;

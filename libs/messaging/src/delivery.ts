import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ContractViolation,
  decodeMessage,
  MessageHeader,
  type DecodedMessage,
  type MessageHeaders,
  type Payload,
  type PayloadIn,
  type TopicName,
} from '@parley/contracts';
import { withConsumerSpan, withLogContext, type Logger, type ServiceMetrics } from '@parley/observability';
import type { FaultInjector } from './fault-injection';
import { NonRetryableError, type MessageContext, type MessageHandler } from './message-bus';
import { backoffDelay, type RetryPolicy } from './retry-policy';
import { isTransientFailure } from './transient-failure';

/** A message as it came off the wire (Kafka) or out of the in-process queue: raw bytes, not yet trusted. */
export interface InboundMessage {
  readonly topic: TopicName;
  readonly key: string | null;
  readonly value: Buffer | string | null;
  readonly headers: MessageHeaders;
  readonly partition: number;
  readonly offset?: string;
}

export interface DeliveryDependencies {
  readonly group: string;
  readonly policy: RetryPolicy;
  readonly logger: Logger;
  readonly metrics?: ServiceMetrics;
  readonly faults: FaultInjector;
  readonly deadLetter: (
    payload: PayloadIn<'parley.messaging.message.dead-lettered.v1'>,
    options: { correlationId?: string; headers: Record<string, string> },
  ) => Promise<void>;
  readonly heartbeat: () => Promise<void>;
  /** Aborted on shutdown: a retry wait ends and the message is left uncommitted for the next consumer. */
  readonly signal: AbortSignal;
}

export type DeliveryOutcome = 'handled' | 'dead-lettered';

const HEARTBEAT_EVERY_MS = 1_000;

/**
 * Validate, hand to the handler with bounded retries, and dead-letter what cannot be handled. Returns only once the
 * message's fate is durable (handled, or written to the dead-letter topic); throws if it is not, so the caller leaves
 * the offset uncommitted and nothing is lost.
 */
export async function deliver<T extends TopicName>(
  message: InboundMessage,
  handler: MessageHandler<T>,
  deps: DeliveryDependencies,
): Promise<DeliveryOutcome> {
  const { topic } = message;
  let decoded: DecodedMessage<T>;
  try {
    decoded = decodeMessage(topic as T, message.value);
  } catch (error) {
    if (!(error instanceof ContractViolation)) throw error;
    return withLogContext({ topic, eventId: randomUUID() }, async () => {
      deps.logger.warn({ problems: error.problems, partition: message.partition, offset: message.offset }, 'invalid message, dead-lettering');
      await deadLetter(message, deps, 'invalid-payload', error.message, 1, undefined);
      deps.metrics?.messagesHandled.inc({ topic, group: deps.group, outcome: 'dead_lettered' });
      return 'dead-lettered' as const;
    });
  }
  const { payload, meta } = decoded;
  const rawOrgId = (payload as { orgId?: unknown }).orgId;
  const orgId = typeof rawOrgId === 'string' ? rawOrgId : undefined;
  const correlationId = meta.correlationId ?? meta.id;
  // The log context and the consumer span in one store (ADR 0030).
  return withConsumerSpan(
    { topic, group: deps.group, partition: message.partition, headers: message.headers },
    () => handleWithRetries(message, payload, handler, deps, { eventId: meta.id, correlationId, orgId, producer: meta.source }),
    { topic, eventId: meta.id, correlationId, orgId },
  );
}

async function handleWithRetries<T extends TopicName>(
  message: InboundMessage,
  payload: Payload<T>,
  handler: MessageHandler<T>,
  deps: DeliveryDependencies,
  ids: { eventId: string; correlationId: string; orgId?: string; producer: string },
): Promise<DeliveryOutcome> {
  const { topic } = message;
  const { eventId, correlationId, orgId, producer } = ids;
  let lastError: unknown;
  let attempts = 0;
  const firstAttemptAt = Date.now();
  for (let attempt = 1; ; attempt++) {
    attempts = attempt;
    const context: MessageContext<T> = {
      topic: topic as T,
      key: message.key ?? '',
      eventId,
      correlationId,
      orgId,
      producer,
      headers: message.headers,
      group: deps.group,
      partition: message.partition,
      offset: message.offset,
      attempt,
      heartbeat: deps.heartbeat,
    };
    const stopTimer = deps.metrics?.handleSeconds.startTimer({ topic, group: deps.group });
    try {
      deps.faults.at('crash-before-effect', topic);
      deps.faults.failHandler(topic, message.value);
      await handler(payload, context);
      deps.faults.at('crash-after-effect', topic);
      stopTimer?.();
      deps.metrics?.messagesHandled.inc({ topic, group: deps.group, outcome: 'handled' });
      return 'handled';
    } catch (error) {
      lastError = error;
      if (error instanceof NonRetryableError) break;
      const transient = attempt >= deps.policy.maxAttempts && isTransientFailure(error);
      const delay = backoffDelay(deps.policy, attempt);
      if (attempt >= deps.policy.maxAttempts && !(transient && Date.now() + delay - firstAttemptAt <= (deps.policy.transientForMs ?? 0))) break;
      deps.logger.warn({ err: error, attempt, retryInMs: delay, ...(transient ? { transient } : {}) }, 'handler failed, retrying');
      deps.metrics?.messagesHandled.inc({ topic, group: deps.group, outcome: 'retried' });
      await waitHeartbeating(delay, deps);
    }
  }

  const reason = lastError instanceof Error ? `${lastError.name}: ${lastError.message}` : String(lastError);
  deps.logger.error({ err: lastError, attempts }, 'handler failed for good, dead-lettering');
  await deadLetter(message, deps, 'handler-failed', reason, attempts, correlationId);
  deps.metrics?.messagesHandled.inc({ topic, group: deps.group, outcome: 'dead_lettered' });
  return 'dead-lettered';
}

async function waitHeartbeating(delayMs: number, deps: DeliveryDependencies): Promise<void> {
  const deadline = Date.now() + delayMs;
  while (Date.now() < deadline) {
    await sleep(Math.min(HEARTBEAT_EVERY_MS, deadline - Date.now()), undefined, { signal: deps.signal });
    await deps.heartbeat().catch(() => undefined);
  }
}

async function deadLetter(
  message: InboundMessage,
  deps: DeliveryDependencies,
  failure: 'invalid-payload' | 'handler-failed',
  reason: string,
  attempts: number,
  correlationId: string | undefined,
): Promise<void> {
  const raw = message.value;
  const buffer = raw === null ? null : typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  const isText = buffer !== null && Buffer.from(buffer.toString('utf8'), 'utf8').equals(buffer);
  await deps.deadLetter(
    {
      originalTopic: message.topic,
      partition: message.partition,
      offset: message.offset,
      key: message.key,
      value: buffer === null ? null : isText ? buffer.toString('utf8') : buffer.toString('base64'),
      valueEncoding: isText || buffer === null ? 'utf8' : 'base64',
      headers: { ...message.headers },
      consumerGroup: deps.group,
      reason: reason.slice(0, 4_000),
      failure,
      attempts,
      deadLetteredAt: new Date().toISOString(),
    },
    {
      correlationId,
      headers: {
        [MessageHeader.deadLetterReason]: reason.slice(0, 500),
        ...pick(message.headers, [MessageHeader.traceparent]),
      },
    },
  );
  // Counted once the dead letter is durable: a failed write is retried (and would count twice).
  deps.metrics?.deadLetters.inc({ topic: message.topic, group: deps.group, reason: failure });
}

function pick(headers: MessageHeaders, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.filter((n) => headers[n] !== undefined).map((n) => [n, headers[n] as string]));
}

import { z } from 'zod';
import { topicDefinition, type Payload, type PayloadIn, type TopicName } from './catalog';

/** A payload that does not match its topic's schema; `problems` name each field ("orgId: expected ..."). */
export class ContractViolation extends Error {
  constructor(
    readonly topic: string,
    readonly problems: readonly string[],
  ) {
    super(`${topic}: ${problems.join('; ')}`);
    this.name = 'ContractViolation';
  }
}

function describe(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(payload)'}: ${issue.message}`);
}

/** Validates and normalises a payload for a topic; used on both produce and consume. */
export function parsePayload<T extends TopicName>(topic: T, value: unknown): Payload<T> {
  const result = topicDefinition(topic).schema.safeParse(value);
  if (!result.success) throw new ContractViolation(topic, describe(result.error));
  return result.data as Payload<T>;
}

/** The partition key of a payload, derived by the topic's contract (never chosen by the caller). */
export function partitionKey<T extends TopicName>(topic: T, payload: Payload<T>): string {
  const definition = topicDefinition(topic) as { key: (p: Payload<T>) => string };
  return definition.key(payload);
}

export interface EncodedMessage {
  readonly key: string;
  readonly value: string;
}

/**
 * What every event says about itself besides its payload. It travels inside the value, CloudEvents-style
 * (structured mode), not in Kafka headers: see docs/adr/0005-event-envelope-in-the-value.md.
 */
export interface EventMeta {
  /** Unique per event; consumers are idempotent on it. */
  readonly id: string;
  /** The producing service. */
  readonly source: string;
  /** When the event was produced (ISO 8601). */
  readonly time: string;
  /** The id of the request or event that caused this one, when different from `id`. */
  readonly correlationId?: string;
}

export interface DecodedMessage<T extends TopicName> {
  readonly payload: Payload<T>;
  readonly meta: EventMeta;
}

/** Validate, normalise, derive the key and serialise in the envelope: what every producer does before sending. */
export function encodeMessage<T extends TopicName>(topic: T, payload: PayloadIn<T>, meta: EventMeta): EncodedMessage {
  const parsed = parsePayload(topic, payload);
  const envelope = {
    specversion: '1.0',
    id: meta.id,
    source: meta.source,
    type: topic,
    time: meta.time,
    ...(meta.correlationId && meta.correlationId !== meta.id ? { correlationid: meta.correlationId } : {}),
    data: parsed,
  };
  return { key: partitionKey(topic, parsed), value: JSON.stringify(envelope) };
}

/**
 * Parse the envelope and validate the payload a consumer received. Throws ContractViolation for bytes that are not
 * JSON, for an envelope that is not Parley's or belongs to another topic, and for a payload that breaks the schema.
 */
export function decodeMessage<T extends TopicName>(topic: T, value: string | Buffer | null): DecodedMessage<T> {
  if (value === null) throw new ContractViolation(topic, ['(message): message has no value']);
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (error) {
    throw new ContractViolation(topic, [`(message): not JSON (${(error as Error).message})`]);
  }
  const envelope = json as Record<string, unknown> | null;
  const problems: string[] = [];
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
    throw new ContractViolation(topic, ['(message): expected an event envelope object']);
  }
  if (envelope['specversion'] !== '1.0') problems.push('specversion: expected "1.0"');
  if (typeof envelope['id'] !== 'string' || envelope['id'] === '') problems.push('id: expected a non-empty string');
  if (typeof envelope['source'] !== 'string' || envelope['source'] === '') problems.push('source: expected a non-empty string');
  if (envelope['type'] !== topic) problems.push(`type: expected "${topic}"`);
  if (typeof envelope['time'] !== 'string') problems.push('time: expected a timestamp string');
  if (envelope['correlationid'] !== undefined && typeof envelope['correlationid'] !== 'string') problems.push('correlationid: expected a string');
  if (!('data' in envelope)) problems.push('data: required');
  if (problems.length > 0) throw new ContractViolation(topic, problems);
  return {
    payload: parsePayload(topic, envelope['data']),
    meta: {
      id: envelope['id'] as string,
      source: envelope['source'] as string,
      time: envelope['time'] as string,
      ...(typeof envelope['correlationid'] === 'string' ? { correlationId: envelope['correlationid'] } : {}),
    },
  };
}

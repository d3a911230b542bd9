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

/** Validate, normalise, derive the key and serialise: what every producer does before a message leaves. */
export function encodeMessage<T extends TopicName>(topic: T, payload: PayloadIn<T>): EncodedMessage {
  const parsed = parsePayload(topic, payload);
  return { key: partitionKey(topic, parsed), value: JSON.stringify(parsed) };
}

/** Parse and validate what a consumer received. Throws ContractViolation for bad JSON as well as bad fields. */
export function decodeMessage<T extends TopicName>(topic: T, value: string | Buffer | null): Payload<T> {
  if (value === null) throw new ContractViolation(topic, ['(payload): message has no value']);
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (error) {
    throw new ContractViolation(topic, [`(payload): not JSON (${(error as Error).message})`]);
  }
  return parsePayload(topic, json);
}

import { z } from 'zod';

/** `parley.<domain>[.<entity>].<event>.v<N>`: a breaking change is a new version, run side by side. */
export const TOPIC_NAME = /^parley(\.[a-z][a-z0-9-]*){2,4}\.v([1-9][0-9]*)$/;

/**
 * One topic: its name, what a message on it means, how its partition key is derived, and the payload schema.
 * The key is derived from the payload so a producer cannot put an event in the wrong order lane.
 */
export interface TopicDefinition<Name extends string = string, Schema extends z.ZodType = z.ZodType> {
  readonly name: Name;
  readonly version: number;
  readonly description: string;
  /** Who may produce it (service names), for the README diagram and for review. */
  readonly producers: readonly string[];
  readonly consumers: readonly string[];
  readonly schema: Schema;
  readonly key: (payload: z.output<Schema>) => string;
  /** A valid payload, used by the generated round-trip tests and as documentation. */
  readonly example: z.input<Schema>;
  /**
   * Messages of different keys a Kafka consumer works at once per partition for this topic, instead of the bus's
   * MESSAGING_KEY_CONCURRENCY (ADR 0012): for commands whose handling mostly waits on a platform's pacing, so that
   * enough of them are ready when a limit's window opens. Order per key holds whatever the number.
   */
  readonly keyConcurrency?: number;
}

export function defineTopic<const Name extends string, Schema extends z.ZodType>(
  definition: Omit<TopicDefinition<Name, Schema>, 'version'>,
): TopicDefinition<Name, Schema> {
  const match = TOPIC_NAME.exec(definition.name);
  if (!match) throw new Error(`topic name ${definition.name} does not follow parley.<domain>[.<entity>].<event>.v<N>`);
  return { ...definition, version: Number(match[2]) };
}

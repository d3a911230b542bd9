import { defineConfigSection, env, loadConfig } from '@parley/config';

/**
 * The relay's own configuration (`configSections.relay`): how long a dispatched delivery waits for its outcome before
 * it is requested again, how many requests it gets, and how often the relay looks for overdue ones (ADR 0029).
 */
export const relayConfigSection = defineConfigSection(
  'relay',
  {
    /**
     * How long a delivery in flight waits for parley.message.delivered.v1 before the relay requests it again (ms). Long
     * enough for a connector that waits out a platform's 429s; a re-request never doubles a post (ADR 0020, 0023).
     */
    PARLEY_RELAY_OUTCOME_TIMEOUT_MS: env.int(300_000, 10),
    /** Requests per delivery (the first included); after the last one's wait the delivery fails and the lane moves on. */
    PARLEY_RELAY_DELIVERY_ATTEMPTS: env.int(3, 1),
    /** How often overdue deliveries are looked for (ms). */
    PARLEY_RELAY_DEADLINE_SWEEP_MS: env.int(15_000, 10),
    /**
     * The largest file the relay carries (bytes); a larger one is named in a note with a link to it (ADR 0039). The
     * bytes stream through both connectors, so this bounds how long one delivery can hold its conversation's lane.
     */
    PARLEY_RELAY_FILE_MAX_BYTES: env.int(100 * 1024 * 1024, 1),
  },
  (v) => ({
    outcomeTimeoutMs: v.PARLEY_RELAY_OUTCOME_TIMEOUT_MS,
    deliveryAttempts: v.PARLEY_RELAY_DELIVERY_ATTEMPTS,
    deadlineSweepMs: v.PARLEY_RELAY_DEADLINE_SWEEP_MS,
    fileMaxBytes: v.PARLEY_RELAY_FILE_MAX_BYTES,
  }),
);

export type RelayConfig = ReturnType<typeof relayConfigSection.map>;

/** The key under which the runtime hands this section to the module (`SERVICE_CONFIG`). */
export const RELAY_CONFIG_KEY = 'relay';
export const RELAY_CONFIG = Symbol('RELAY_CONFIG');

/** Reads the parsed section from the service config; with none given (a test, an older launcher), the defaults. */
export function resolveRelayConfig(serviceConfig: Readonly<Record<string, unknown>> | undefined, environment: Readonly<Record<string, string | undefined>> = {}): RelayConfig {
  const given = serviceConfig?.[RELAY_CONFIG_KEY] as RelayConfig | undefined;
  return given ?? loadConfig({ relay: relayConfigSection }, environment).relay;
}

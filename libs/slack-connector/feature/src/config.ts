import { z } from 'zod';
import { defineConfigSection, env, loadConfig } from '@parley/config';
import { DEFAULT_SLACK_LIMITS, type SlackLimits } from '@parley/slack-connector-slack-access';

const d = DEFAULT_SLACK_LIMITS;

/**
 * slack-connector's own configuration (`configSections.slackConnector`). The rate limits default to Slack's
 * documented ones and are for the whole fleet: the buckets are shared through Redis.
 */
export const slackConnectorConfigSection = defineConfigSection(
  'slackConnector',
  {
    /** Multiplies Slack's windows and scales Retry-After: set it to the sandbox's timeScale (e.g. 0.1). */
    PARLEY_SLACK_LIMIT_TIME_SCALE: z.coerce.number().positive().max(1000).default(d.timeScale),
    PARLEY_SLACK_TIER1_PER_MINUTE: env.int(d.tiersPerMinute[1], 1),
    PARLEY_SLACK_TIER2_PER_MINUTE: env.int(d.tiersPerMinute[2], 1),
    PARLEY_SLACK_TIER3_PER_MINUTE: env.int(d.tiersPerMinute[3], 1),
    PARLEY_SLACK_TIER4_PER_MINUTE: env.int(d.tiersPerMinute[4], 1),
    PARLEY_SLACK_SCIM_READS_PER_MINUTE: env.int(d.scim.readsPerMinute, 1),
    PARLEY_SLACK_SCIM_USER_READS_PER_MINUTE: env.int(d.scim.userReadsPerMinute, 1),
    PARLEY_SLACK_SCIM_WRITES_PER_MINUTE: env.int(d.scim.writesPerMinute, 1),
    PARLEY_SLACK_SCIM_WRITE_BURST: env.int(d.scim.writeBurst, 1),
    PARLEY_SLACK_SCIM_USER_WRITES_PER_MINUTE: env.int(d.scim.userWritesPerMinute, 1),
    PARLEY_SLACK_SCIM_USER_WRITE_BURST: env.int(d.scim.userWriteBurst, 1),
    /** How late a paced call may reach Slack; each bucket keeps back the tokens that refill in that time. */
    PARLEY_SLACK_JITTER_ALLOWANCE_MS: env.int(d.jitterAllowanceMs, 0),
    /** 429 answers tolerated per call before the message fails (and is retried by the bus later). */
    PARLEY_SLACK_RATE_LIMIT_RETRIES: env.int(d.rateLimitRetries, 0),
    PARLEY_SLACK_HTTP_TIMEOUT_MS: env.int(15_000, 100),
    /** How long a connection's settings read from identity are reused. */
    PARLEY_SLACK_CONNECTION_CACHE_MS: env.int(30_000, 0),
    /** How long the relay's paths reuse a token read from identity (ADR 0033; 0 reads it for every use). */
    PARLEY_SLACK_TOKEN_REUSE_MS: env.int(60_000, 0),
    /** Observations written per outbox transaction during a directory import. */
    PARLEY_SLACK_IMPORT_CHUNK_SIZE: env.int(500, 1),
    /** How long an event in a conversation where Parley is posting waits for that post, to tell its echo (ms). */
    PARLEY_SLACK_ECHO_WAIT_MS: env.int(10_000, 0),
    /**
     * How old an event's message must be (by its own timestamp), or how long the event must have waited here, before it
     * is handled: Slack sends events in no set order, and one written earlier can arrive a little later (ADR 0042).
     */
    PARLEY_SLACK_ORDER_WINDOW_MS: env.int(1_000, 0),
    /**
     * The longest the order window grows while Slack's events reach Parley late (ms; ADR 0055): it follows the latest
     * arrival of the last 30 s, from PARLEY_SLACK_ORDER_WINDOW_MS up to this.
     */
    PARLEY_SLACK_ORDER_WINDOW_MAX_MS: env.int(5_000, 0),
    /** How long conversation members read with conversations.members are reused (ms). */
    PARLEY_SLACK_MEMBERS_CACHE_MS: env.int(300_000, 0),
    /** How long a received event_id is remembered, so a retry of it is dropped (hours; Slack retries for ~5 min). */
    PARLEY_SLACK_EVENT_RETENTION_HOURS: env.int(24, 1),
    /** What a SCIM mirror is: a multi-channel guest (default), a single-channel guest, or a full member. */
    PARLEY_SLACK_SCIM_MIRROR_TYPE: env.oneOf(['multi-channel-guest', 'single-channel-guest', 'member'] as const, 'multi-channel-guest'),
  },
  (v) => ({
    limits: {
      timeScale: v.PARLEY_SLACK_LIMIT_TIME_SCALE,
      tiersPerMinute: { 1: v.PARLEY_SLACK_TIER1_PER_MINUTE, 2: v.PARLEY_SLACK_TIER2_PER_MINUTE, 3: v.PARLEY_SLACK_TIER3_PER_MINUTE, 4: v.PARLEY_SLACK_TIER4_PER_MINUTE },
      scim: {
        readsPerMinute: v.PARLEY_SLACK_SCIM_READS_PER_MINUTE,
        userReadsPerMinute: v.PARLEY_SLACK_SCIM_USER_READS_PER_MINUTE,
        writesPerMinute: v.PARLEY_SLACK_SCIM_WRITES_PER_MINUTE,
        writeBurst: v.PARLEY_SLACK_SCIM_WRITE_BURST,
        userWritesPerMinute: v.PARLEY_SLACK_SCIM_USER_WRITES_PER_MINUTE,
        userWriteBurst: v.PARLEY_SLACK_SCIM_USER_WRITE_BURST,
      },
      jitterAllowanceMs: v.PARLEY_SLACK_JITTER_ALLOWANCE_MS,
      rateLimitRetries: v.PARLEY_SLACK_RATE_LIMIT_RETRIES,
    } satisfies SlackLimits as SlackLimits,
    httpTimeoutMs: v.PARLEY_SLACK_HTTP_TIMEOUT_MS,
    connectionCacheMs: v.PARLEY_SLACK_CONNECTION_CACHE_MS,
    tokenReuseMs: v.PARLEY_SLACK_TOKEN_REUSE_MS,
    importChunkSize: v.PARLEY_SLACK_IMPORT_CHUNK_SIZE,
    scimMirrorType: v.PARLEY_SLACK_SCIM_MIRROR_TYPE,
    echoWaitMs: v.PARLEY_SLACK_ECHO_WAIT_MS,
    orderWindowMs: v.PARLEY_SLACK_ORDER_WINDOW_MS,
    orderWindowMaxMs: v.PARLEY_SLACK_ORDER_WINDOW_MAX_MS,
    membersCacheMs: v.PARLEY_SLACK_MEMBERS_CACHE_MS,
    eventRetentionHours: v.PARLEY_SLACK_EVENT_RETENTION_HOURS,
  }),
);

export type SlackConnectorConfig = ReturnType<typeof slackConnectorConfigSection.map>;

/** The key under which the runtime hands this section to the module (`SERVICE_CONFIG`). */
export const SLACK_CONNECTOR_CONFIG_KEY = 'slackConnector';
export const SLACK_CONNECTOR_CONFIG = Symbol('SLACK_CONNECTOR_CONFIG');

/** Reads the parsed section from the service config; with none given (a test, an older launcher), the defaults. */
export function resolveSlackConnectorConfig(serviceConfig: Readonly<Record<string, unknown>> | undefined, environment: Readonly<Record<string, string | undefined>> = {}): SlackConnectorConfig {
  const given = serviceConfig?.[SLACK_CONNECTOR_CONFIG_KEY] as SlackConnectorConfig | undefined;
  return given ?? loadConfig({ slackConnector: slackConnectorConfigSection }, environment).slackConnector;
}

import { z } from 'zod';
import { ConfigError, defineConfigSection, env } from '@parley/config';
import { defaultNotificationInboxSettings, type NotificationInboxSettings } from './notification-inbox';
import { defaultValidationTokenSettings, type ValidationTokenSettings } from './validation-tokens';

const MINUTE = 60_000;
/** Graph allows 10,000 subscriptions per organization (reference, "Relaying messages"); over it, 403. */
export const GRAPH_SUBSCRIPTIONS_PER_ORGANIZATION = 10_000;
/** Graph's maximum for chatMessage subscriptions is 4320 minutes; ask for a little less so clock skew never exceeds it. */
export const MAX_CHAT_SUBSCRIPTION_MINUTES = 4320;

export interface TeamsIngressConfig {
  /** Parley's public base URL (the gateway or the Ingress host); null: no subscriptions are made. */
  readonly publicBaseUrl: string | null;
  /**
   * A connection's notification certificate older than this is replaced (ADR 0028); the old one stays, and decrypts,
   * while a subscription names it.
   */
  readonly notificationKeyMaxAgeMs: number;
  readonly tokens: ValidationTokenSettings;
  readonly subscriptionLifetimeMs: number;
  /** A subscription with less than this left is renewed. */
  readonly renewBeforeMs: number;
  /** How often the lease holder looks at its connections' subscriptions and catch-up. */
  readonly tickMs: number;
  readonly leaseTtlMs: number;
  /** Catch-up runs at least this often per connection (dropped notifications), and after any gap. */
  readonly catchUpIntervalMs: number;
  /** Catch-up lists up to now minus this (Graph's clock and indexing lag); the rest waits for the next run. */
  readonly catchUpLagMs: number;
  /**
   * The most subscriptions Parley makes in one tenant (its chat subscription and one per linked channel): Graph's
   * 10,000 per organization by default, less when other apps of the tenant need some of them.
   */
  readonly subscriptionQuota: number;
  /** Channel catch-up lists the replies of thread roots posted this recently (and of roots edited since the watermark). */
  readonly channelThreadWindowMs: number;
  /** How verified notifications wait between the 202 and the relay side (ADR 0042). */
  readonly inbox: NotificationInboxSettings;
}

export function teamsIngressConfig(overrides: Partial<TeamsIngressConfig> = {}): TeamsIngressConfig {
  const tickMs = overrides.tickMs ?? MINUTE;
  return {
    publicBaseUrl: null,
    notificationKeyMaxAgeMs: 30 * 24 * 60 * MINUTE,
    tokens: defaultValidationTokenSettings,
    subscriptionLifetimeMs: (MAX_CHAT_SUBSCRIPTION_MINUTES - 90) * MINUTE,
    renewBeforeMs: 24 * 60 * MINUTE,
    // Longer than a pass can take (a catch-up lists every chat), so the lease does not lapse while its holder works.
    leaseTtlMs: Math.max(tickMs * 3, 2 * MINUTE),
    catchUpIntervalMs: 15 * MINUTE,
    catchUpLagMs: 30_000,
    subscriptionQuota: GRAPH_SUBSCRIPTIONS_PER_ORGANIZATION,
    channelThreadWindowMs: 7 * 24 * 60 * MINUTE,
    inbox: defaultNotificationInboxSettings,
    ...overrides,
    tickMs,
  };
}

/**
 * PARLEY_TEAMS_PUBLIC_URL (where Graph reaches /teams/notifications and /teams/lifecycle), how often the notification
 * certificates are rotated (they live in identity's vault, made by the connector: ADR 0028), and the validation-token
 * checks.
 */
export const teamsIngressConfigSection = defineConfigSection(
  'teamsIngress',
  {
    PARLEY_TEAMS_PUBLIC_URL: env.url(['https', 'http']).optional(),
    /** Days after which a connection's notification certificate is replaced by a new one. */
    PARLEY_TEAMS_NOTIFICATION_KEY_ROTATE_DAYS: env.int(30, 1),
    PARLEY_TEAMS_VALIDATION_JWKS_URL: z.string().default(defaultValidationTokenSettings.jwksUrl),
    PARLEY_TEAMS_VALIDATION_ISSUER: z.string().default(defaultValidationTokenSettings.issuer),
    PARLEY_TEAMS_SUBSCRIPTION_MINUTES: env.int(MAX_CHAT_SUBSCRIPTION_MINUTES - 90, 45).refine((m) => m <= MAX_CHAT_SUBSCRIPTION_MINUTES, `at most ${MAX_CHAT_SUBSCRIPTION_MINUTES} (Graph's limit for chat messages)`),
    PARLEY_TEAMS_SUBSCRIPTION_RENEW_BEFORE_MINUTES: env.int(24 * 60, 1),
    PARLEY_TEAMS_SUBSCRIPTION_CHECK_MS: env.int(MINUTE, 100),
    PARLEY_TEAMS_CATCH_UP_INTERVAL_MS: env.int(15 * MINUTE, 100),
    PARLEY_TEAMS_CATCH_UP_LAG_MS: env.int(30_000, 0),
    /**
     * How long a replica's hold on a connection's subscriptions and catch-up lasts without renewal (ms); a replica that
     * dies holding it stops both for up to this long. Default: three checks, at least 2 minutes (longer than a catch-up
     * pass of a large tenant). At least three checks.
     */
    PARLEY_TEAMS_LEASE_TTL_MS: env.int(0, 0),
    PARLEY_TEAMS_SUBSCRIPTION_QUOTA: env.int(GRAPH_SUBSCRIPTIONS_PER_ORGANIZATION, 1).refine((n) => n <= GRAPH_SUBSCRIPTIONS_PER_ORGANIZATION, `at most ${GRAPH_SUBSCRIPTIONS_PER_ORGANIZATION} (Graph's limit per organization)`),
    PARLEY_TEAMS_CHANNEL_THREAD_WINDOW_MINUTES: env.int(7 * 24 * 60, 1),
    /** The order window (ms): a notification is handed over once its change is this old, or it waited this long here. */
    PARLEY_TEAMS_ORDER_WINDOW_MS: env.int(defaultNotificationInboxSettings.orderWindowMs, 0),
    /** The longest the order window grows while Graph's notifications reach Parley late (ms; ADR 0055). */
    PARLEY_TEAMS_ORDER_WINDOW_MAX_MS: env.int(defaultNotificationInboxSettings.orderWindowMaxMs, 0),
    /** Conversations one replica hands over side by side. */
    PARLEY_TEAMS_INBOX_CONCURRENCY: env.int(defaultNotificationInboxSettings.concurrency, 1),
    PARLEY_TEAMS_READ_BACK: env.bool(defaultNotificationInboxSettings.readBack),
  },
  (v): TeamsIngressConfig => {
    if (v.PARLEY_TEAMS_SUBSCRIPTION_RENEW_BEFORE_MINUTES >= v.PARLEY_TEAMS_SUBSCRIPTION_MINUTES) {
      throw new ConfigError(['PARLEY_TEAMS_SUBSCRIPTION_RENEW_BEFORE_MINUTES: must be less than PARLEY_TEAMS_SUBSCRIPTION_MINUTES']);
    }
    if (v.PARLEY_TEAMS_LEASE_TTL_MS > 0 && v.PARLEY_TEAMS_LEASE_TTL_MS < 3 * v.PARLEY_TEAMS_SUBSCRIPTION_CHECK_MS) {
      throw new ConfigError(['PARLEY_TEAMS_LEASE_TTL_MS: must be at least three PARLEY_TEAMS_SUBSCRIPTION_CHECK_MS (the holder renews it at each check)']);
    }
    return teamsIngressConfig({
      publicBaseUrl: v.PARLEY_TEAMS_PUBLIC_URL?.replace(/\/+$/, '') ?? null,
      notificationKeyMaxAgeMs: v.PARLEY_TEAMS_NOTIFICATION_KEY_ROTATE_DAYS * 24 * 60 * MINUTE,
      tokens: { ...defaultValidationTokenSettings, jwksUrl: v.PARLEY_TEAMS_VALIDATION_JWKS_URL, issuer: v.PARLEY_TEAMS_VALIDATION_ISSUER },
      subscriptionLifetimeMs: v.PARLEY_TEAMS_SUBSCRIPTION_MINUTES * MINUTE,
      renewBeforeMs: v.PARLEY_TEAMS_SUBSCRIPTION_RENEW_BEFORE_MINUTES * MINUTE,
      tickMs: v.PARLEY_TEAMS_SUBSCRIPTION_CHECK_MS,
      ...(v.PARLEY_TEAMS_LEASE_TTL_MS > 0 ? { leaseTtlMs: v.PARLEY_TEAMS_LEASE_TTL_MS } : {}),
      catchUpIntervalMs: v.PARLEY_TEAMS_CATCH_UP_INTERVAL_MS,
      catchUpLagMs: v.PARLEY_TEAMS_CATCH_UP_LAG_MS,
      subscriptionQuota: v.PARLEY_TEAMS_SUBSCRIPTION_QUOTA,
      channelThreadWindowMs: v.PARLEY_TEAMS_CHANNEL_THREAD_WINDOW_MINUTES * MINUTE,
      inbox: {
        ...defaultNotificationInboxSettings,
        orderWindowMs: v.PARLEY_TEAMS_ORDER_WINDOW_MS,
        orderWindowMaxMs: v.PARLEY_TEAMS_ORDER_WINDOW_MAX_MS,
        concurrency: v.PARLEY_TEAMS_INBOX_CONCURRENCY,
        readBack: v.PARLEY_TEAMS_READ_BACK,
      },
    });
  },
);

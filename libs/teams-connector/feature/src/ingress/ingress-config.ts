import { z } from 'zod';
import { ConfigError, defineConfigSection, env } from '@parley/config';
import { KEY_ID_PATTERN, parseNotificationKeys, type NotificationKey } from './notification-keys';
import { defaultValidationTokenSettings, type ValidationTokenSettings } from './validation-tokens';

const MINUTE = 60_000;
/** Graph's maximum for chatMessage subscriptions is 4320 minutes; ask for a little less so clock skew never exceeds it. */
export const MAX_CHAT_SUBSCRIPTION_MINUTES = 4320;

export interface TeamsIngressConfig {
  /** Parley's public base URL (the gateway or the Ingress host); null: no subscriptions are made. */
  readonly publicBaseUrl: string | null;
  readonly keys: readonly NotificationKey[];
  readonly activeKeyId: string | null;
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
}

export function teamsIngressConfig(overrides: Partial<TeamsIngressConfig> = {}): TeamsIngressConfig {
  const tickMs = overrides.tickMs ?? MINUTE;
  return {
    publicBaseUrl: null,
    keys: [],
    activeKeyId: null,
    tokens: defaultValidationTokenSettings,
    subscriptionLifetimeMs: (MAX_CHAT_SUBSCRIPTION_MINUTES - 90) * MINUTE,
    renewBeforeMs: 24 * 60 * MINUTE,
    // Longer than a pass can take (a catch-up lists every chat), so the lease does not lapse while its holder works.
    leaseTtlMs: Math.max(tickMs * 3, 2 * MINUTE),
    catchUpIntervalMs: 15 * MINUTE,
    catchUpLagMs: 30_000,
    ...overrides,
    tickMs,
  };
}

/**
 * PARLEY_TEAMS_PUBLIC_URL (where Graph reaches /teams/notifications and /teams/lifecycle), Parley's notification
 * certificates (PARLEY_TEAMS_NOTIFICATION_KEYS, PARLEY_TEAMS_NOTIFICATION_ACTIVE_KEY; keep a previous key listed
 * until its subscriptions expired, at most 3 days), and the validation-token checks.
 */
export const teamsIngressConfigSection = defineConfigSection(
  'teamsIngress',
  {
    PARLEY_TEAMS_PUBLIC_URL: env.url(['https', 'http']).optional(),
    PARLEY_TEAMS_NOTIFICATION_KEYS: z
      .string()
      .optional()
      .transform((text, ctx) => {
        if (!text) return [];
        const parsed = parseNotificationKeys(text);
        if ('problem' in parsed) {
          ctx.addIssue({ code: 'custom', message: parsed.problem });
          return z.NEVER;
        }
        return parsed.keys;
      }),
    PARLEY_TEAMS_NOTIFICATION_ACTIVE_KEY: z.string().regex(KEY_ID_PATTERN).optional(),
    PARLEY_TEAMS_VALIDATION_JWKS_URL: z.string().default(defaultValidationTokenSettings.jwksUrl),
    PARLEY_TEAMS_VALIDATION_ISSUER: z.string().default(defaultValidationTokenSettings.issuer),
    PARLEY_TEAMS_SUBSCRIPTION_MINUTES: env.int(MAX_CHAT_SUBSCRIPTION_MINUTES - 90, 45).refine((m) => m <= MAX_CHAT_SUBSCRIPTION_MINUTES, `at most ${MAX_CHAT_SUBSCRIPTION_MINUTES} (Graph's limit for chat messages)`),
    PARLEY_TEAMS_SUBSCRIPTION_RENEW_BEFORE_MINUTES: env.int(24 * 60, 1),
    PARLEY_TEAMS_SUBSCRIPTION_CHECK_MS: env.int(MINUTE, 100),
    PARLEY_TEAMS_CATCH_UP_INTERVAL_MS: env.int(15 * MINUTE, 100),
    PARLEY_TEAMS_CATCH_UP_LAG_MS: env.int(30_000, 0),
  },
  (v): TeamsIngressConfig => {
    if (v.PARLEY_TEAMS_NOTIFICATION_KEYS.length > 0 && !v.PARLEY_TEAMS_NOTIFICATION_ACTIVE_KEY) {
      throw new ConfigError(['PARLEY_TEAMS_NOTIFICATION_ACTIVE_KEY: required when PARLEY_TEAMS_NOTIFICATION_KEYS is set']);
    }
    if (v.PARLEY_TEAMS_NOTIFICATION_ACTIVE_KEY && !v.PARLEY_TEAMS_NOTIFICATION_KEYS.some((k) => k.id === v.PARLEY_TEAMS_NOTIFICATION_ACTIVE_KEY)) {
      throw new ConfigError(['PARLEY_TEAMS_NOTIFICATION_ACTIVE_KEY: malformed (names no key in PARLEY_TEAMS_NOTIFICATION_KEYS)']);
    }
    if (v.PARLEY_TEAMS_SUBSCRIPTION_RENEW_BEFORE_MINUTES >= v.PARLEY_TEAMS_SUBSCRIPTION_MINUTES) {
      throw new ConfigError(['PARLEY_TEAMS_SUBSCRIPTION_RENEW_BEFORE_MINUTES: must be less than PARLEY_TEAMS_SUBSCRIPTION_MINUTES']);
    }
    return teamsIngressConfig({
      publicBaseUrl: v.PARLEY_TEAMS_PUBLIC_URL?.replace(/\/+$/, '') ?? null,
      keys: v.PARLEY_TEAMS_NOTIFICATION_KEYS,
      activeKeyId: v.PARLEY_TEAMS_NOTIFICATION_ACTIVE_KEY ?? null,
      tokens: { ...defaultValidationTokenSettings, jwksUrl: v.PARLEY_TEAMS_VALIDATION_JWKS_URL, issuer: v.PARLEY_TEAMS_VALIDATION_ISSUER },
      subscriptionLifetimeMs: v.PARLEY_TEAMS_SUBSCRIPTION_MINUTES * MINUTE,
      renewBeforeMs: v.PARLEY_TEAMS_SUBSCRIPTION_RENEW_BEFORE_MINUTES * MINUTE,
      tickMs: v.PARLEY_TEAMS_SUBSCRIPTION_CHECK_MS,
      catchUpIntervalMs: v.PARLEY_TEAMS_CATCH_UP_INTERVAL_MS,
      catchUpLagMs: v.PARLEY_TEAMS_CATCH_UP_LAG_MS,
    });
  },
);

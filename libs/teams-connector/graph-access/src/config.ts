import { z } from 'zod';
import { defineConfigSection, env } from '@parley/config';
import {
  DEFAULT_PACING_MARGIN,
  DEFAULT_PACING_MARGIN_MS,
  DOCUMENTED_GRAPH_LIMITS,
  type GraphLimitName,
  type LimitSetting,
  type PacingSettings,
} from './pacing/limits';

/**
 * `<requests>/<windowMs>`, e.g. `150/5000`. A third number (`150/5000/6`, the token-bucket burst of earlier versions)
 * is still accepted so existing deployments start, and ignored: sliding windows need no burst.
 */
const limitVariable = (fallback: LimitSetting) =>
  z
    .string()
    .regex(/^\d+\/\d+(\/\d+)?$/, 'expected <requests>/<windowMs>, e.g. 150/5000')
    .default(`${fallback.requests}/${fallback.windowMs}`)
    .transform((value): LimitSetting => {
      const [requests, windowMs] = value.split('/').map(Number) as [number, number];
      return { requests, windowMs };
    })
    .refine((l) => l.requests >= 1 && l.windowMs >= 1, { message: 'requests and windowMs must be at least 1' });

/**
 * teams-connector's own configuration: the Graph limits it paces under (documented numbers by default), the time
 * scale of a time-compressed sandbox, and how hard it retries.
 */
export const teamsConnectorConfigSection = defineConfigSection(
  'teamsConnector',
  {
    /** Shortens every window and Retry-After (0.1 = ten times faster), matching the sandbox's `limits.timeScale`. */
    PARLEY_GRAPH_LIMIT_TIME_SCALE: z.coerce.number().positive().max(1_000).default(1),
    PARLEY_GRAPH_LIMIT_INVITATIONS: limitVariable(DOCUMENTED_GRAPH_LIMITS.invitations),
    PARLEY_GRAPH_LIMIT_DIRECTORY_WRITES: limitVariable(DOCUMENTED_GRAPH_LIMITS.directoryWrites),
    PARLEY_GRAPH_LIMIT_TEAMS_GET: limitVariable(DOCUMENTED_GRAPH_LIMITS.teamsGet),
    PARLEY_GRAPH_LIMIT_PER_TEAM: limitVariable(DOCUMENTED_GRAPH_LIMITS.perTeam),
    /** New chat messages per app and tenant. */
    PARLEY_GRAPH_LIMIT_CHAT_MESSAGE_POST: limitVariable(DOCUMENTED_GRAPH_LIMITS.chatMessagePost),
    /** New channel messages and replies per app and tenant. */
    PARLEY_GRAPH_LIMIT_CHANNEL_MESSAGE_POST: limitVariable(DOCUMENTED_GRAPH_LIMITS.channelMessagePost),
    /** Messages written in one chat or channel per app. */
    PARLEY_GRAPH_LIMIT_PER_CHAT: limitVariable(DOCUMENTED_GRAPH_LIMITS.perChat),
    /** Messages written in one chat or channel per user. */
    PARLEY_GRAPH_LIMIT_PER_USER_PER_CHAT: limitVariable(DOCUMENTED_GRAPH_LIMITS.perUserPerChat),
    /** Each (scaled) window is paced this much longer than documented (0.01 = 1 %). */
    PARLEY_GRAPH_PACING_MARGIN: z.coerce.number().min(0).max(1).default(DEFAULT_PACING_MARGIN),
    /** And this many real ms longer: how much later one request may reach Graph than another (network jitter). */
    PARLEY_GRAPH_PACING_MARGIN_MS: env.int(DEFAULT_PACING_MARGIN_MS, 0),
    /** Tries per Graph request on 429/503/504, the first included. */
    PARLEY_GRAPH_MAX_ATTEMPTS: env.int(6, 1),
    /** A Retry-After longer than this (real ms) fails the message for the bus to retry, instead of holding a lane. */
    PARLEY_GRAPH_MAX_RETRY_WAIT_MS: env.int(120_000, 0),
  },
  (v) => graphAccessConfig({
    timeScale: v.PARLEY_GRAPH_LIMIT_TIME_SCALE,
    margin: v.PARLEY_GRAPH_PACING_MARGIN,
    marginMs: v.PARLEY_GRAPH_PACING_MARGIN_MS,
    limits: {
      invitations: v.PARLEY_GRAPH_LIMIT_INVITATIONS,
      directoryWrites: v.PARLEY_GRAPH_LIMIT_DIRECTORY_WRITES,
      teamsGet: v.PARLEY_GRAPH_LIMIT_TEAMS_GET,
      perTeam: v.PARLEY_GRAPH_LIMIT_PER_TEAM,
      chatMessagePost: v.PARLEY_GRAPH_LIMIT_CHAT_MESSAGE_POST,
      channelMessagePost: v.PARLEY_GRAPH_LIMIT_CHANNEL_MESSAGE_POST,
      perChat: v.PARLEY_GRAPH_LIMIT_PER_CHAT,
      perUserPerChat: v.PARLEY_GRAPH_LIMIT_PER_USER_PER_CHAT,
    },
    maxAttempts: v.PARLEY_GRAPH_MAX_ATTEMPTS,
    maxRetryWaitMs: v.PARLEY_GRAPH_MAX_RETRY_WAIT_MS,
  }),
);

export interface GraphAccessConfig {
  readonly pacing: PacingSettings;
  readonly maxAttempts: number;
  readonly maxRetryWaitMs: number;
}

/** The configuration with documented defaults for whatever is not given. */
export function graphAccessConfig(
  overrides: {
    readonly timeScale?: number;
    readonly margin?: number;
    readonly marginMs?: number;
    readonly limits?: Partial<Record<GraphLimitName, LimitSetting>>;
    readonly maxAttempts?: number;
    readonly maxRetryWaitMs?: number;
  } = {},
): GraphAccessConfig {
  return {
    pacing: {
      timeScale: overrides.timeScale ?? 1,
      margin: overrides.margin ?? DEFAULT_PACING_MARGIN,
      marginMs: overrides.marginMs ?? DEFAULT_PACING_MARGIN_MS,
      limits: { ...DOCUMENTED_GRAPH_LIMITS, ...overrides.limits },
    },
    maxAttempts: overrides.maxAttempts ?? 6,
    maxRetryWaitMs: overrides.maxRetryWaitMs ?? 120_000,
  };
}

import { z } from 'zod';
import { defineConfigSection, env } from '@parley/config';
import { DOCUMENTED_GRAPH_LIMITS, type GraphLimitName, type LimitSetting, type PacingSettings } from './pacing/limits';

/** `<requests>/<windowMs>` or `<requests>/<windowMs>/<burst>`, e.g. `150/5000` or `3000/150000/1500`. */
const limitVariable = (fallback: LimitSetting) =>
  z
    .string()
    .regex(/^\d+\/\d+(\/\d+)?$/, 'expected <requests>/<windowMs>[/<burst>], e.g. 150/5000')
    .default(`${fallback.requests}/${fallback.windowMs}/${fallback.burst}`)
    .transform((value): LimitSetting => {
      const [requests, windowMs, burst] = value.split('/').map(Number) as [number, number, number | undefined];
      return { requests, windowMs, burst: burst ?? Math.min(fallback.burst, requests) };
    })
    .refine((l) => l.requests >= 1 && l.windowMs >= 1 && l.burst >= 1 && l.burst <= l.requests, {
      message: 'requests and windowMs must be at least 1, burst between 1 and requests',
    });

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
    /** Each window is paced this much longer than documented (0.05 = 5 %), room for network jitter. */
    PARLEY_GRAPH_PACING_MARGIN: z.coerce.number().min(0).max(1).default(0.05),
    /** Tries per Graph request on 429/503/504, the first included. */
    PARLEY_GRAPH_MAX_ATTEMPTS: env.int(6, 1),
    /** A Retry-After longer than this (real ms) fails the message for the bus to retry, instead of holding a lane. */
    PARLEY_GRAPH_MAX_RETRY_WAIT_MS: env.int(120_000, 0),
  },
  (v) => graphAccessConfig({
    timeScale: v.PARLEY_GRAPH_LIMIT_TIME_SCALE,
    margin: v.PARLEY_GRAPH_PACING_MARGIN,
    limits: {
      invitations: v.PARLEY_GRAPH_LIMIT_INVITATIONS,
      directoryWrites: v.PARLEY_GRAPH_LIMIT_DIRECTORY_WRITES,
      teamsGet: v.PARLEY_GRAPH_LIMIT_TEAMS_GET,
      perTeam: v.PARLEY_GRAPH_LIMIT_PER_TEAM,
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
    readonly limits?: Partial<Record<GraphLimitName, LimitSetting>>;
    readonly maxAttempts?: number;
    readonly maxRetryWaitMs?: number;
  } = {},
): GraphAccessConfig {
  return {
    pacing: {
      timeScale: overrides.timeScale ?? 1,
      margin: overrides.margin ?? 0.05,
      limits: { ...DOCUMENTED_GRAPH_LIMITS, ...overrides.limits },
    },
    maxAttempts: overrides.maxAttempts ?? 6,
    maxRetryWaitMs: overrides.maxRetryWaitMs ?? 120_000,
  };
}

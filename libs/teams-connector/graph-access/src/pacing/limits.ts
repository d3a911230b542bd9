import type { TokenBucketSpec } from '@parley/cache';

/**
 * The Graph limits teams-connector's calls pass through (reference/microsoft-graph.md, "Throttling and batching"),
 * named as the pacing buckets know them.
 * - invitations: POST /invitations, per tenant.
 * - directoryWrites: POST /users, POST /invitations, PATCH and DELETE /users/{id}, per app and tenant.
 * - teamsGet: GET on Teams resources (teams, members, channels, chats), per app and tenant.
 * - perTeam: any request on one team or channel, per app.
 */
export const GRAPH_LIMIT_NAMES = ['invitations', 'directoryWrites', 'teamsGet', 'perTeam'] as const;
export type GraphLimitName = (typeof GRAPH_LIMIT_NAMES)[number];

/** `requests` per `windowMs`, of which at most `burst` may go out back to back. */
export interface LimitSetting {
  readonly requests: number;
  readonly windowMs: number;
  readonly burst: number;
}

/**
 * The documented numbers. `burst` is Parley's choice, not Microsoft's: a long window (directory writes, 2.5 min) is
 * best used by a deep bucket so a sync of a few thousand people is not held to the sustained rate; a short window
 * (1 s) is best used by steady spacing, because every token of burst costs one token of sustained rate (see
 * bucketSpec).
 */
export const DOCUMENTED_GRAPH_LIMITS: Readonly<Record<GraphLimitName, LimitSetting>> = {
  invitations: { requests: 150, windowMs: 5_000, burst: 6 },
  directoryWrites: { requests: 3_000, windowMs: 150_000, burst: 1_500 },
  teamsGet: { requests: 20, windowMs: 1_000, burst: 1 },
  perTeam: { requests: 4, windowMs: 1_000, burst: 1 },
};

export interface PacingSettings {
  readonly limits: Readonly<Record<GraphLimitName, LimitSetting>>;
  /** Multiplies every window (0.1 = ten times shorter), matching a time-compressed sandbox. */
  readonly timeScale: number;
  /** Each window is stretched by this fraction, to absorb jitter between taking a token and Graph counting the call. */
  readonly margin: number;
}

/**
 * The token bucket that keeps calls under `limit` whichever way Graph counts them. Graph (and the sandbox) count in
 * windows that start at an arbitrary moment, so the bucket must never let more than `requests` calls into ANY span of
 * `windowMs`. A bucket of capacity C refilled at r per ms lets at most C + r*W - 1 whole tokens out within a half-open
 * span of W (C at its start, then one each time a whole token has refilled), so r = (requests + 1 - C) / W' with
 * W' = windowMs * timeScale * (1 + margin).
 */
export function bucketSpec(limit: LimitSetting, timeScale: number, margin: number): TokenBucketSpec {
  const capacity = Math.max(1, Math.min(limit.burst, limit.requests));
  const windowMs = limit.windowMs * timeScale * (1 + margin);
  return { capacity, refillPerSecond: ((limit.requests + 1 - capacity) * 1000) / windowMs };
}

/** How late a token may be used before it no longer counts as paced: the slack the margin adds to the window. */
export function freshnessMs(limit: LimitSetting, timeScale: number, margin: number): number {
  return limit.windowMs * timeScale * margin;
}

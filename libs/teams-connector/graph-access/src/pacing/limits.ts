import type { SlidingWindowSpec } from '@parley/cache';

/**
 * The Graph limits teams-connector's calls pass through (reference/microsoft-graph.md, "Throttling and batching"),
 * named as the pacing windows know them.
 * - invitations: POST /invitations, per tenant.
 * - directoryWrites: POST /users, POST /invitations, PATCH and DELETE /users/{id}, per app and tenant.
 * - teamsGet: GET on Teams resources (teams, members, channels, chats), per app and tenant.
 * - perTeam: any request on one team or channel, per app.
 * - chatMessagePost: POST of a new chat message (replyWithQuote included), per app and tenant.
 * - channelMessagePost: POST of a new channel message or reply, per app and tenant.
 * - perChat: a message written in one chat or channel (posted, edited, deleted), per app.
 * - perUserPerChat: a message written in one chat or channel by one user, whatever app they use.
 */
export const GRAPH_LIMIT_NAMES = ['invitations', 'directoryWrites', 'teamsGet', 'perTeam', 'chatMessagePost', 'channelMessagePost', 'perChat', 'perUserPerChat'] as const;
export type GraphLimitName = (typeof GRAPH_LIMIT_NAMES)[number];

/** `requests` per `windowMs`, as Microsoft documents it. */
export interface LimitSetting {
  readonly requests: number;
  readonly windowMs: number;
}

export const DOCUMENTED_GRAPH_LIMITS: Readonly<Record<GraphLimitName, LimitSetting>> = {
  invitations: { requests: 150, windowMs: 5_000 },
  directoryWrites: { requests: 3_000, windowMs: 150_000 },
  teamsGet: { requests: 20, windowMs: 1_000 },
  perTeam: { requests: 4, windowMs: 1_000 },
  chatMessagePost: { requests: 20, windowMs: 1_000 },
  channelMessagePost: { requests: 50, windowMs: 1_000 },
  perChat: { requests: 1, windowMs: 1_000 },
  perUserPerChat: { requests: 1, windowMs: 1_000 },
};

/** Default share of a window added to it (1 %): drift between our clock and Graph's over one window, and rounding. */
export const DEFAULT_PACING_MARGIN = 0.01;
/** Default milliseconds added to every window: how much later one request may reach Graph than another sent with it. */
export const DEFAULT_PACING_MARGIN_MS = 25;

export interface PacingSettings {
  readonly limits: Readonly<Record<GraphLimitName, LimitSetting>>;
  /** Multiplies every window (0.1 = ten times shorter), matching a time-compressed sandbox. */
  readonly timeScale: number;
  /** Each (scaled) window is stretched by this fraction. */
  readonly margin: number;
  /**
   * And by this many real milliseconds, not scaled: network delay does not shrink with a time-compressed sandbox.
   * It covers the spread between when a request is granted here and when Graph counts it.
   */
  readonly marginMs: number;
}

/**
 * The sliding window that keeps calls under `limit` whichever way Graph counts them. Graph (and the sandbox, in fixed
 * windows starting at the first request after the previous one ended) counts a request when it arrives, which is a
 * network delay after we granted it. If that delay varies by at most D, the requests Graph sees in any window of W were
 * granted within a span of W + D; pacing at most `requests` in any W' = W * timeScale * (1 + margin) + marginMs therefore
 * keeps Graph's count within its limit as long as D <= W' - W. And it reaches the limit: `requests` go at once, and the
 * next ones exactly W' after the first.
 */
export function windowSpec(limit: LimitSetting, settings: Pick<PacingSettings, 'timeScale' | 'margin' | 'marginMs'>): SlidingWindowSpec {
  return { limit: limit.requests, windowMs: limit.windowMs * settings.timeScale * (1 + settings.margin) + settings.marginMs };
}

/**
 * The documented limits the sandbox enforces (reference/microsoft-graph.md, "Throttling and batching"). Kept as
 * data so tests and benchmarks can change them; Microsoft changes them too.
 */
export interface Limit {
  readonly requests: number;
  readonly windowMs: number;
}

export interface GraphLimits {
  /** POST chat message, per app per tenant. */
  readonly chatMessagePost: Limit;
  /** POST channel message, per app per tenant. */
  readonly channelMessagePost: Limit;
  /** GET on Teams resources (chats, teams, channels, messages), per app per tenant. */
  readonly teamsGet: Limit;
  /** Any Teams request on one team or channel, per app. */
  readonly perTeamOrChannel: Limit;
  /** Messages one app may post in one channel per day. */
  readonly channelMessagesPerDay: Limit;
  /** POST /invitations, per tenant. */
  readonly invitations: Limit;
  /** Directory writes (POST /users, invitations), per app per tenant. */
  readonly directoryWrites: Limit;
}

export const DOCUMENTED_LIMITS: GraphLimits = {
  chatMessagePost: { requests: 20, windowMs: 1000 },
  channelMessagePost: { requests: 50, windowMs: 1000 },
  teamsGet: { requests: 20, windowMs: 1000 },
  perTeamOrChannel: { requests: 4, windowMs: 1000 },
  channelMessagesPerDay: { requests: 3000, windowMs: 86_400_000 },
  invitations: { requests: 150, windowMs: 5000 },
  directoryWrites: { requests: 3000, windowMs: 150_000 },
};

export interface LimitsOptions {
  /** Default true: the sandbox is as strict as Graph. Benchmarks turn it off. */
  readonly enabled?: boolean;
  /** Multiplies every window and Retry-After (0.1 = ten times shorter). Default 1. */
  readonly timeScale?: number;
  readonly overrides?: Partial<GraphLimits>;
}

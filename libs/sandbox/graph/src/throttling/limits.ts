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
  /** Sending a message (post, reply, replyWithQuote) into any one chat or channel, per app per tenant. */
  readonly perChatOrChannelSend: Limit;
  /** Sending a message into any one chat or channel, per user (whatever app they use). */
  readonly perUserPerChatOrChannelSend: Limit;
  /** Messages one app may post in one channel per day. */
  readonly channelMessagesPerDay: Limit;
  /** POST /invitations, per tenant. */
  readonly invitations: Limit;
  /** Directory writes (POST /users, invitations), per app per tenant. */
  readonly directoryWrites: Limit;
  /**
   * Evaluation mode of tenant-wide message subscriptions (no `?model=`): change notifications per app per tenant per
   * "month", after which they silently stop. A licensing rule, not throttling: enforced even when limits are
   * disabled; the window follows timeScale.
   */
  readonly evaluationNotificationsPerMonth: Limit;
}

export const DOCUMENTED_LIMITS: GraphLimits = {
  chatMessagePost: { requests: 20, windowMs: 1000 },
  channelMessagePost: { requests: 50, windowMs: 1000 },
  teamsGet: { requests: 20, windowMs: 1000 },
  perTeamOrChannel: { requests: 4, windowMs: 1000 },
  channelMessagesPerDay: { requests: 3000, windowMs: 86_400_000 },
  invitations: { requests: 150, windowMs: 5000 },
  directoryWrites: { requests: 3000, windowMs: 150_000 },
  perChatOrChannelSend: { requests: 1, windowMs: 1000 },
  perUserPerChatOrChannelSend: { requests: 1, windowMs: 1000 },
  evaluationNotificationsPerMonth: { requests: 500, windowMs: 30 * 86_400_000 },
};

/** Subscription counts Graph refuses beyond with 403 (reference/microsoft-graph.md, "Relaying messages"). */
export interface SubscriptionQuotas {
  /** Subscriptions per app on one chat or channel resource. */
  readonly perAppPerChatOrChannel: number;
  /** `/users/{id}/chats/getAllMessages` subscriptions per user. */
  readonly perUserAllChatMessages: number;
  /** Subscriptions in one organization (tenant), all apps. */
  readonly perOrganization: number;
}

export const DOCUMENTED_SUBSCRIPTION_QUOTAS: SubscriptionQuotas = { perAppPerChatOrChannel: 1, perUserAllChatMessages: 10, perOrganization: 10_000 };

export interface LimitsOptions {
  /** Default true: the sandbox is as strict as Graph. Benchmarks turn it off. */
  readonly enabled?: boolean;
  /** Multiplies every window and Retry-After (0.1 = ten times shorter). Default 1. */
  readonly timeScale?: number;
  readonly overrides?: Partial<GraphLimits>;
  /** Subscription quotas (counts, not rates: timeScale does not apply; enforced even when limits are disabled). */
  readonly subscriptionQuotas?: Partial<SubscriptionQuotas>;
}

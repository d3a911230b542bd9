import { GraphRequestError, type GraphApi, type PacingGrant } from '@parley/teams-connector-graph-access';

/** Graph's `conversationMember: add` takes at most 200 members per request (documented). */
export const MAX_MEMBERS_PER_ADD = 200;

export const membersAddPath = (teamId: string): string => `/teams/${encodeURIComponent(teamId)}/members/add`;

/** One member of a `members/add` body: a guest by object id (never by UPN), with the guest role. */
export function guestMemberBody(guestUserId: string): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.aadUserConversationMember',
    roles: ['guest'],
    'user@odata.bind': `https://graph.microsoft.com/v1.0/users('${guestUserId}')`,
  };
}

/** Graph's ways of saying the user is in the team already: that counts as done. */
export function isAlreadyMember(status: number, message: string): boolean {
  return status === 409 || (status === 400 && /already (a )?member|already exists?\b/i.test(message));
}

/** The same, for the per-member error of a `members/add` answer. */
export function isAlreadyMemberError(code: string, message: string): boolean {
  return /^conflict$/i.test(code) || /already (a )?member|already exists?\b/i.test(message);
}

/** Per-member error codes that say "not now" rather than "no": the member is tried again by the bus. */
const TRANSIENT_MEMBER_ERROR = /toomanyrequests|throttl|serviceunavailable|internalservererror|servererror|timeout|badgateway/i;

const transient = (status: number): boolean => status === 0 || status === 408 || status === 429 || status >= 500;

/** The result of adding one guest to one team: added (or already there), or refused for this guest with a reason. */
export type MemberAddResult = { readonly added: true } | { readonly added: false; readonly reason: string };

interface MemberResult {
  readonly userId?: string | null;
  readonly error?: { readonly code?: string | null; readonly message?: string | null } | null;
}

interface Waiter {
  readonly guestUserId: string;
  resolve(result: MemberAddResult): void;
  reject(error: unknown): void;
}

interface TeamQueue {
  readonly key: string;
  readonly teamId: string;
  /** The team owner's Graph: every waiter of one queue comes from the same connection, any of them will do. */
  owner: GraphApi;
  readonly pending: Waiter[];
  draining: boolean;
  inFlight: number;
}

export interface TeamMembershipAggregatorOptions {
  /** Members per request, at most Graph's 200 (lower only for tests). */
  readonly maxPerRequest?: number;
  /** Told the number of members of every members/add request sent (metrics). */
  readonly onFlush?: (members: number) => void;
  /**
   * Least time between two requests to one team: its paced window over its limit (1 s / 4, with the margins). Spent
   * as they came, the team's four tokens went on flushes of one or two guests, and the last guests of a burst waited
   * for the window to end; spaced, a token is always there and each flush carries what gathered meanwhile.
   */
  readonly spacingMs?: number;
}

/**
 * Gathers the team additions of concurrent guest commands and sends them as few `POST /teams/{id}/members/add`
 * requests as Graph's per-team limit (4 requests per second per app and team) allows: each team has a queue, and
 * whenever the team's pacing bucket grants a token, everything waiting for that team (up to 200) goes out in one
 * request. So up to 800 additions per second reach one team instead of 4.
 *
 * Each caller awaits the answer for its own guest: added (or already a member), refused for that guest (its error
 * in the answer), or rejected with the error that failed the whole request (a 429 after the retries, Graph
 * unreachable, a refused request such as an unknown team) so each of those commands is retried or refused on its own.
 * Flushes of one team are pipelined: the next token is awaited while a request is still out.
 */
export class TeamMembershipAggregator {
  private readonly queues = new Map<string, TeamQueue>();
  /** When each team's last request was granted (performance.now()), kept while it still spaces the next one. */
  private readonly lastFlushAt = new Map<string, number>();
  private readonly max: number;

  constructor(private readonly options: TeamMembershipAggregatorOptions = {}) {
    this.max = Math.min(MAX_MEMBERS_PER_ADD, Math.max(1, options.maxPerRequest ?? MAX_MEMBERS_PER_ADD));
  }

  /**
   * Adds a guest to a team with the team owner's delegated Graph. `scope` names whose owner that is (org and
   * connection): additions of different connections never share a request.
   */
  add(owner: GraphApi, scope: string, teamId: string, guestUserId: string): Promise<MemberAddResult> {
    const key = `${scope}|${teamId}`;
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { key, teamId, owner, pending: [], draining: false, inFlight: 0 };
      this.queues.set(key, queue);
    }
    queue.owner = owner;
    const result = new Promise<MemberAddResult>((resolve, reject) => queue.pending.push({ guestUserId, resolve, reject }));
    if (!queue.draining) void this.drain(queue);
    return result;
  }

  /** Teams with additions waiting or in flight (for tests and diagnostics). */
  get activeTeams(): number {
    return this.queues.size;
  }

  private async drain(queue: TeamQueue): Promise<void> {
    queue.draining = true;
    try {
      while (queue.pending.length > 0) {
        const spacing = (this.lastFlushAt.get(queue.key) ?? Number.NEGATIVE_INFINITY) + (this.options.spacingMs ?? 0) - performance.now();
        if (spacing > 0) await new Promise((resolve) => setTimeout(resolve, spacing));
        let grant: PacingGrant;
        try {
          grant = await queue.owner.acquire('POST', membersAddPath(queue.teamId));
        } catch (error) {
          // No token for the team owner (identity refused, unreachable...): nobody waiting can be added now.
          for (const waiter of queue.pending.splice(0)) waiter.reject(error);
          break;
        }
        const flush = queue.pending.splice(0, this.max);
        this.lastFlushAt.set(queue.key, performance.now());
        queue.inFlight++;
        void this.send(queue, flush, grant).finally(() => {
          queue.inFlight--;
          this.forget(queue);
        });
      }
    } finally {
      queue.draining = false;
      this.forget(queue);
    }
  }

  private forget(queue: TeamQueue): void {
    if (!queue.draining && queue.inFlight === 0 && queue.pending.length === 0 && this.queues.get(queue.key) === queue) this.queues.delete(queue.key);
    const now = performance.now();
    for (const [key, at] of this.lastFlushAt) if (now - at >= (this.options.spacingMs ?? 0) && !this.queues.has(key)) this.lastFlushAt.delete(key);
  }

  private async send(queue: TeamQueue, flush: readonly Waiter[], grant: PacingGrant): Promise<void> {
    const path = membersAddPath(queue.teamId);
    const userIds = [...new Set(flush.map((w) => w.guestUserId))];
    this.options.onFlush?.(userIds.length);
    let results: readonly MemberResult[];
    let status: number;
    try {
      const response = await queue.owner.request<{ value?: MemberResult[] }>('POST', path, {
        body: { values: userIds.map((id) => guestMemberBody(id)) },
        // The grant, not just `true`: the window entries move to when Graph answered (it counted the request by then).
        prepaced: grant,
      });
      results = Array.isArray(response.body?.value) ? response.body.value : [];
      status = response.status;
    } catch (error) {
      for (const waiter of flush) waiter.reject(error);
      return;
    }
    const byUser = new Map(results.filter((r) => typeof r.userId === 'string').map((r) => [(r.userId as string).toLowerCase(), r]));
    for (const waiter of flush) {
      const result = byUser.get(waiter.guestUserId.toLowerCase());
      if (!result) {
        waiter.reject(new GraphRequestError(502, null, `the members/add answer has no result for user ${waiter.guestUserId}`, `POST ${path}`));
        continue;
      }
      const code = result.error?.code ?? '';
      const message = result.error?.message ?? '';
      if (!result.error || isAlreadyMemberError(code, message)) {
        waiter.resolve({ added: true });
      } else if (TRANSIENT_MEMBER_ERROR.test(code)) {
        waiter.reject(new GraphRequestError(/toomanyrequests|throttl/i.test(code) ? 429 : 503, code, message || 'no message', `POST ${path} (member ${waiter.guestUserId})`));
      } else {
        waiter.resolve({ added: false, reason: `Graph answered ${status} for this member: ${code || 'error'}${message ? `: ${message}` : ''}` });
      }
    }
  }
}

export interface TeamRefusal {
  readonly teamId: string;
  readonly reason: string;
}

/** What addGuestToTeams needs of a connection: whose teams, and Graph as their owner. */
export interface TeamOwnerAccess {
  readonly orgId: string;
  readonly connectionId: string;
  teamOwner(): GraphApi;
}

/**
 * Adds a guest to every team with the team owner's delegated token, through the aggregator (one bulk request per
 * team gathers concurrent guests). Refusals come back per team (a refused member, or a team Graph refuses outright);
 * anything transient (429 after the retries, 5xx, Graph or identity unreachable) is thrown so the command is retried.
 */
export async function addGuestToTeams(aggregator: TeamMembershipAggregator, connection: TeamOwnerAccess, guestUserId: string, teamIds: readonly string[]): Promise<TeamRefusal[]> {
  if (teamIds.length === 0) return [];
  const owner = connection.teamOwner();
  const scope = `${connection.orgId}|${connection.connectionId}`;
  const settled = await Promise.allSettled(teamIds.map((teamId) => aggregator.add(owner, scope, teamId, guestUserId)));
  const refusals: TeamRefusal[] = [];
  let retry: { error: unknown } | undefined;
  settled.forEach((outcome, index) => {
    const teamId = teamIds[index] as string;
    if (outcome.status === 'fulfilled') {
      if (!outcome.value.added) refusals.push({ teamId, reason: outcome.value.reason });
      return;
    }
    const error: unknown = outcome.reason;
    if (error instanceof GraphRequestError && !transient(error.status)) {
      if (!isAlreadyMember(error.status, error.graphMessage)) refusals.push({ teamId, reason: `Graph answered ${error.status}${error.code ? ` ${error.code}` : ''}: ${error.graphMessage}` });
      return;
    }
    retry ??= { error };
  });
  if (retry) throw retry.error;
  return refusals;
}

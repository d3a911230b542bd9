import type { SlidingWindowLimiter, SlidingWindowSpec, WindowTicket } from '@parley/cache';
import type { PacingClaim } from './classify';
import { windowSpec, type GraphLimitName, type PacingSettings } from './limits';

/** The shortest window carry() holds a request's place in (see hold()). */
export const MIN_HOLD_MS = 50;

/** What acquire() got for a request: hand it to settle() once Graph answered. */
export interface PacingGrant {
  /** How long acquire() waited, in ms. */
  readonly waitedMs: number;
  /** The acquisitions, or null for a request no limit covers. */
  readonly ticket: WindowTicket | null;
  /** The smallest slack (paced window minus Graph's) among the request's limits. */
  readonly slackMs: number;
  /** When it was granted, by the pacer's clock; with holdEveryMs, what carry() needs to hold it. */
  readonly grantedAt?: number;
  /** The shortest of Graph's (scaled) windows among the request's limits. */
  readonly holdEveryMs?: number;
}

/**
 * Acquires the room a request needs in the shared sliding windows of the limits it passes (Redis in distributed
 * mode, so every replica counts in the same ones) before it goes out. Pacing up front is what keeps 429s at zero; the
 * retry loop only mops up.
 *
 * Graph counts a request when it arrives, some time after its grant. The margins of the paced windows cover that
 * delay as long as it varies by less than they do; settle() covers the rest: once Graph has answered, it has counted
 * the request, so the acquisitions are restamped to (answer time - slack) where that is later than their grant. A
 * burst that left late (a busy event loop, a cold connection pool) then holds back the next one by as much, instead of
 * landing in the same Graph window as it.
 */
export class GraphPacer {
  private readonly specs: Record<GraphLimitName, SlidingWindowSpec>;
  private readonly slack: Record<GraphLimitName, number>;

  constructor(
    private readonly limiter: SlidingWindowLimiter,
    readonly settings: PacingSettings,
    private readonly now: () => number = () => performance.now(),
  ) {
    const names = Object.keys(settings.limits) as GraphLimitName[];
    this.specs = Object.fromEntries(names.map((n) => [n, windowSpec(settings.limits[n], settings)])) as Record<GraphLimitName, SlidingWindowSpec>;
    this.slack = Object.fromEntries(
      names.map((n) => [n, this.specs[n].windowMs - settings.limits[n].windowMs * settings.timeScale]),
    ) as Record<GraphLimitName, number>;
  }

  spec(limit: GraphLimitName): SlidingWindowSpec {
    return this.specs[limit];
  }

  /** How many requests of one $batch may count against one window: they reach Graph together, so its whole limit. */
  perBatch(limit: GraphLimitName): number {
    return this.specs[limit].limit;
  }

  /**
   * Waits until every claim has room in its window and acquires them all at once (claims on the same window count one
   * each), so no acquisition ages while another window is waited for.
   */
  async acquire(claims: readonly PacingClaim[], signal?: AbortSignal): Promise<PacingGrant> {
    if (claims.length === 0) return { waitedMs: 0, ticket: null, slackMs: 0 };
    const started = this.now();
    const ticket = await this.limiter.acquireAll(
      claims.map((claim) => ({ key: claim.bucket, spec: this.specs[claim.limit] })),
      signal,
    );
    const grantedAt = this.now();
    return {
      waitedMs: grantedAt - started,
      ticket,
      slackMs: Math.min(...claims.map((claim) => this.slack[claim.limit])),
      grantedAt,
      holdEveryMs: Math.min(...claims.map((claim) => this.specs[claim.limit].windowMs - this.slack[claim.limit])),
    };
  }

  /**
   * Sends the granted request with `send` and settles its grant once that ends. While it is on its way, its
   * acquisitions are restamped to now every holdEveryMs (Graph's own window, shorter than the paced one by the slack),
   * so each restamp lands before the paced window would let the next request go. A request Graph has not counted yet
   * (a slow connection, or a busy event loop that held back its bytes, or the in-process sandbox reading them) thus
   * keeps its place instead of leaving the window and letting the next burst reach Graph in the same window as it.
   * The timers are due before any waiter's retry, so after a stall the restamp runs first.
   */
  async carry<T>(grant: PacingGrant | undefined, send: () => Promise<T>): Promise<T> {
    const stopHolding = grant ? this.hold(grant) : undefined;
    try {
      return await send();
    } finally {
      stopHolding?.();
      await this.settle(grant);
    }
  }

  /**
   * After Graph answered the request (or the exchange failed, when it may have counted it all the same): counts its
   * acquisitions from the slack before now where that is later than their grant. Best effort: a failure only gives
   * up this extra safety.
   */
  async settle(grant: PacingGrant | undefined): Promise<void> {
    if (!grant?.ticket) return;
    await this.limiter.restamp(grant.ticket, grant.slackMs).catch(() => undefined);
  }

  private hold(grant: PacingGrant): (() => void) | undefined {
    const { ticket, grantedAt, holdEveryMs } = grant;
    if (!ticket || grantedAt === undefined || holdEveryMs === undefined) return undefined;
    // A window shorter than a busy event loop's own delays (only a time-scaled one, in tests and benchmarks) cannot be
    // held by timers, and holding it would cost a limiter call per request every millisecond or so: settle() alone.
    if (holdEveryMs < MIN_HOLD_MS) return undefined;
    const every = holdEveryMs;
    let timer: NodeJS.Timeout;
    const schedule = (inMs: number) => {
      timer = setTimeout(() => {
        void this.limiter.restamp(ticket, 0).catch(() => undefined);
        schedule(every);
      }, Math.max(0, inMs));
      timer.unref();
    };
    schedule(grantedAt + every - this.now());
    return () => clearTimeout(timer);
  }
}

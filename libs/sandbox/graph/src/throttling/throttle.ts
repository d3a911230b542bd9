import { GraphError } from '../http/graph-error';
import { DOCUMENTED_LIMITS, DOCUMENTED_SUBSCRIPTION_QUOTAS, type GraphLimits, type Limit, type LimitsOptions, type SubscriptionQuotas } from './limits';

/** Fixed-window counters per key; a full window answers 429 with the time left in it as Retry-After. */
export class Throttle {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private enabled: boolean;
  private timeScale: number;
  private limits: GraphLimits;
  private quotas: SubscriptionQuotas;

  constructor(private readonly initial: LimitsOptions = {}) {
    const options = initial;
    this.enabled = options.enabled ?? true;
    this.timeScale = options.timeScale ?? 1;
    this.limits = { ...DOCUMENTED_LIMITS, ...options.overrides };
    this.quotas = { ...DOCUMENTED_SUBSCRIPTION_QUOTAS, ...options.subscriptionQuotas };
  }

  configure(options: LimitsOptions): void {
    if (options.enabled !== undefined) this.enabled = options.enabled;
    if (options.timeScale !== undefined) this.timeScale = options.timeScale;
    if (options.overrides) this.limits = { ...this.limits, ...options.overrides };
    if (options.subscriptionQuotas) this.quotas = { ...this.quotas, ...options.subscriptionQuotas };
    this.windows.clear();
  }

  get subscriptionQuotas(): SubscriptionQuotas {
    return this.quotas;
  }

  /** A limit's window as enforced now (times timeScale). */
  scaledWindowMs(name: keyof GraphLimits): number {
    return Math.max(1, this.limits[name].windowMs * this.timeScale);
  }

  get scale(): number {
    return this.timeScale;
  }

  limit(name: keyof GraphLimits): Limit {
    return this.limits[name];
  }

  /** Counts one request against `key`; throws a 429 GraphError when the window is full. */
  take(name: keyof GraphLimits, key: string): void {
    this.takeAll([[name, key]]);
  }

  /**
   * Counts one request against several limits at once, or against none: a request refused by one limit (say the
   * per-chat one) must not use up another (the per-tenant one). The 429 waits for the latest window to reopen.
   */
  takeAll(entries: readonly (readonly [keyof GraphLimits, string])[]): void {
    if (!this.enabled) return;
    const now = Date.now();
    const windows: { start: number; count: number }[] = [];
    let waitMs = 0;
    for (const [name, key] of entries) {
      const limit = this.limits[name];
      const windowMs = this.scaledWindowMs(name);
      const fullKey = `${name}|${key}`;
      let window = this.windows.get(fullKey);
      if (!window || now - window.start >= windowMs) {
        window = { start: now, count: 0 };
        this.windows.set(fullKey, window);
      }
      if (window.count >= limit.requests) waitMs = Math.max(waitMs, window.start + windowMs - now);
      windows.push(window);
    }
    if (waitMs > 0) throw tooManyRequests(waitMs);
    for (const window of windows) window.count++;
  }

  /** Back to the options the sandbox started with. */
  reset(): void {
    this.enabled = this.initial.enabled ?? true;
    this.timeScale = this.initial.timeScale ?? 1;
    this.limits = { ...DOCUMENTED_LIMITS, ...this.initial.overrides };
    this.quotas = { ...DOCUMENTED_SUBSCRIPTION_QUOTAS, ...this.initial.subscriptionQuotas };
    this.windows.clear();
  }
}

/** 429 with Retry-After in whole seconds (at least 1, as HTTP wants) and the exact scaled wait for fast tests. */
export function tooManyRequests(retryAfterMs: number): GraphError {
  const ms = Math.max(1, Math.ceil(retryAfterMs));
  return new GraphError(429, 'TooManyRequests', 'Too many requests. Please retry after the period given in the Retry-After header.', {
    'retry-after': String(Math.max(1, Math.ceil(ms / 1000))),
    'x-sandbox-retry-after-ms': String(ms),
  });
}

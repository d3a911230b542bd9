import { GraphError } from '../http/graph-error';
import { DOCUMENTED_LIMITS, type GraphLimits, type Limit, type LimitsOptions } from './limits';

/** Fixed-window counters per key; a full window answers 429 with the time left in it as Retry-After. */
export class Throttle {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private enabled: boolean;
  private timeScale: number;
  private limits: GraphLimits;

  constructor(private readonly initial: LimitsOptions = {}) {
    const options = initial;
    this.enabled = options.enabled ?? true;
    this.timeScale = options.timeScale ?? 1;
    this.limits = { ...DOCUMENTED_LIMITS, ...options.overrides };
  }

  configure(options: LimitsOptions): void {
    if (options.enabled !== undefined) this.enabled = options.enabled;
    if (options.timeScale !== undefined) this.timeScale = options.timeScale;
    if (options.overrides) this.limits = { ...this.limits, ...options.overrides };
    this.windows.clear();
  }

  get scale(): number {
    return this.timeScale;
  }

  limit(name: keyof GraphLimits): Limit {
    return this.limits[name];
  }

  /** Counts one request against `key`; throws a 429 GraphError when the window is full. */
  take(name: keyof GraphLimits, key: string): void {
    if (!this.enabled) return;
    const limit = this.limits[name];
    const windowMs = Math.max(1, limit.windowMs * this.timeScale);
    const now = Date.now();
    const fullKey = `${name}|${key}`;
    let window = this.windows.get(fullKey);
    if (!window || now - window.start >= windowMs) {
      window = { start: now, count: 0 };
      this.windows.set(fullKey, window);
    }
    if (window.count >= limit.requests) throw tooManyRequests(window.start + windowMs - now);
    window.count++;
  }

  /** Back to the options the sandbox started with. */
  reset(): void {
    this.enabled = this.initial.enabled ?? true;
    this.timeScale = this.initial.timeScale ?? 1;
    this.limits = { ...DOCUMENTED_LIMITS, ...this.initial.overrides };
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

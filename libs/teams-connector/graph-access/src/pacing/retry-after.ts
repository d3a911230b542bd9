/** Statuses Graph asks callers to retry: throttled, unavailable, gateway timeout. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);

/**
 * `Retry-After` in milliseconds: delta-seconds (`"3"`, also tolerated with a fraction) or an HTTP date. Undefined
 * when absent or unreadable; a date in the past is 0.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP date names its weekday; anything else that merely parses as a date is not one.
  if (!/^[A-Za-z]{3},/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

export interface RetryDelayInput {
  /** The Retry-After header, if the response had one. */
  readonly retryAfter: string | null | undefined;
  /** 1 for the first retry, 2 for the second... */
  readonly attempt: number;
  /** The Graph time scale: under 1, Graph's clock runs faster (a time-compressed sandbox) and waits shrink with it. */
  readonly timeScale: number;
  readonly now: number;
  readonly random?: () => number;
  /** Backoff when Graph gave no Retry-After: base * 2^(attempt-1), capped, with jitter. Real-time milliseconds. */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
}

/**
 * How long to wait before retrying a throttled or unavailable request: what Retry-After says (scaled when time is
 * compressed), else exponential backoff with jitter. A few percent of jitter is added to a Retry-After too, so the
 * callers throttled together do not all come back in the same millisecond.
 */
export function retryDelayMs(input: RetryDelayInput): number {
  const random = input.random ?? Math.random;
  const scale = input.timeScale < 1 ? input.timeScale : 1;
  const told = parseRetryAfter(input.retryAfter, input.now);
  if (told !== undefined) return Math.ceil(told * scale * (1 + 0.05 * random()));
  const base = input.backoffBaseMs ?? 1_000;
  const ceiling = Math.min(input.backoffMaxMs ?? 32_000, base * 2 ** Math.max(0, input.attempt - 1));
  return Math.ceil((ceiling / 2 + (random() * ceiling) / 2) * scale);
}

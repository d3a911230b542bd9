import { seededRandom } from '@parley/sandbox-seed';

/** Injected misbehaviour. Rates are fractions 0..1; everything off by default. */
export interface FaultSettings {
  /** Fraction of Graph requests answered 503 ServiceUnavailable (with Retry-After: 1). */
  readonly errorRate?: number;
  /** Added latency per Graph request, in ms. */
  readonly latencyMs?: number;
  /** The next N Graph requests are answered 429 (a burst), whatever the limits say. */
  readonly throttleBurst?: number;
  /** Retry-After for the burst, in ms (before timeScale). Default 1000. */
  readonly throttleBurstRetryAfterMs?: number;
  /**
   * The next N Graph requests (those matching `lostResponsesFor`, if set) are carried out, and then their connection
   * is dropped before the answer: what a client sees when a timeout or a reset comes after Graph committed the change.
   */
  readonly lostResponses?: number;
  /** A regular expression tested against `<METHOD> <path>` (path without /v1.0 and query), e.g. `^POST /chats/[^/]+/messages$`. */
  readonly lostResponsesFor?: string;
  /** Fraction of notifications silently dropped (never delivered, never retried). */
  readonly dropNotificationRate?: number;
  /** Fraction of notifications delivered twice. */
  readonly duplicateNotificationRate?: number;
  /** Fraction of notifications delayed by delayNotificationMs. */
  readonly delayNotificationRate?: number;
  readonly delayNotificationMs?: number;
  /** Seed for the fault dice, so a failing test replays. Default 1. */
  readonly seed?: number;
}

export class Faults {
  private settings: FaultSettings = {};
  private random = seededRandom(1);
  private burstLeft = 0;
  private lostLeft = 0;

  set(settings: FaultSettings): void {
    this.settings = { ...this.settings, ...settings };
    if (settings.seed !== undefined) this.random = seededRandom(settings.seed);
    if (settings.throttleBurst !== undefined) this.burstLeft = settings.throttleBurst;
    if (settings.lostResponses !== undefined) this.lostLeft = settings.lostResponses;
  }

  get current(): FaultSettings {
    return this.settings;
  }

  roll(rate: number | undefined): boolean {
    return !!rate && this.random() < rate;
  }

  /** True when this request is part of a 429 burst (and consumes one). */
  takeBurst(): boolean {
    if (this.burstLeft <= 0) return false;
    this.burstLeft--;
    return true;
  }

  /** True when this request's answer is to be lost (and consumes one). */
  takeLostResponse(method: string, path: string): boolean {
    if (this.lostLeft <= 0) return false;
    const pattern = this.settings.lostResponsesFor;
    if (pattern && !new RegExp(pattern).test(`${method} ${path}`)) return false;
    this.lostLeft--;
    return true;
  }

  reset(): void {
    this.settings = {};
    this.burstLeft = 0;
    this.lostLeft = 0;
    this.random = seededRandom(1);
  }
}

import { seededRandom } from '@parley/sandbox-seed';

/** What can go wrong on purpose. All rates are 0..1; everything defaults to off. */
export interface SlackFaults {
  /** Fraction of Web API calls answered with HTTP 500 `{ok:false, error:"internal_error"}`. */
  errorRate?: number;
  /** Added to every Web API and SCIM response, in milliseconds. */
  latencyMs?: number;
  /**
   * Added after a Web API method has taken effect and before its answer is sent: the answer is slow on its way back
   * (as when a client times out after Slack acted), so the events of the action reach apps before it.
   */
  answerDelayMs?: number;
  /** The next N Web API calls are answered 429, whatever the limiter says (a burst of throttling). */
  rateLimitBurst?: number;
  /** Retry-After for those injected 429s, in ms before timeScale (default 1000). */
  rateLimitBurstRetryAfterMs?: number;
  /** Fraction of event deliveries sent twice (same event_id, as Slack occasionally does). */
  duplicateEventRate?: number;
  /** Fraction of events never delivered at all. */
  dropEventRate?: number;
  /**
   * files.completeUploadExternal answers first and shares this many ms later (its message, events and files.info
   * `shares` appear then), as Slack's asynchronous share can: a client must read the share back.
   */
  shareDelayMs?: number;
}

/** Holds the current faults and a seeded random source, so a fault pattern replays identically for the same seed. */
export class FaultInjector {
  private faults: SlackFaults = {};
  private random: () => number;

  constructor(private readonly seed: number) {
    this.random = seededRandom(seed ^ 0x5eed);
  }

  set(faults: SlackFaults): void {
    this.faults = { ...faults };
  }

  current(): Readonly<SlackFaults> {
    return this.faults;
  }

  reset(): void {
    this.faults = {};
    this.random = seededRandom(this.seed ^ 0x5eed);
  }

  private roll(rate: number | undefined): boolean {
    return !!rate && rate > 0 && this.random() < rate;
  }

  failRequest(): boolean {
    return this.roll(this.faults.errorRate);
  }

  latencyMs(): number {
    return this.faults.latencyMs ?? 0;
  }

  answerDelayMs(): number {
    return this.faults.answerDelayMs ?? 0;
  }

  /** Consumes one injected 429, if any are left. */
  takeRateLimitBurst(): boolean {
    const left = this.faults.rateLimitBurst ?? 0;
    if (left <= 0) return false;
    this.faults.rateLimitBurst = left - 1;
    return true;
  }

  shareDelayMs(): number {
    return this.faults.shareDelayMs ?? 0;
  }

  dropEvent(): boolean {
    return this.roll(this.faults.dropEventRate);
  }

  duplicateEvent(): boolean {
    return this.roll(this.faults.duplicateEventRate);
  }
}

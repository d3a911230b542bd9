/** Records tests read back: what Graph "did" outside the API (emails, deliveries) and what it was asked. */
export interface SentEmail {
  readonly to: string;
  readonly subject: string;
  readonly inviteRedeemUrl: string;
  readonly customizedMessageBody: string | null;
  readonly at: string;
}

export interface DeliveryRecord {
  readonly subscriptionId: string;
  readonly url: string;
  readonly kind: 'change' | 'lifecycle' | 'validation';
  readonly attempt: number;
  /** HTTP status of the receiver's answer, or 0 when it failed or timed out. */
  readonly status: number;
  /** With status 0: `timeout` (no answer within Graph's wait), or the network error's code (`ECONNRESET`, …). */
  readonly failure?: string;
  /** `capped`: not sent, the app's evaluation-mode allowance for the month is used up. */
  readonly outcome: 'delivered' | 'failed' | 'dropped' | 'gave-up' | 'paused' | 'capped';
  readonly at: string;
  /** When the request went out (attempts only); `at` is when its answer came or the attempt failed. */
  readonly sentAt?: string;
  readonly body: unknown;
}

export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly clientId: string | null;
  readonly at: string;
}

/** Records kept per list; older ones are dropped so a long-running demo does not grow without bound. */
export const INSPECTION_LIMIT = 10_000;

export function pushBounded<T>(list: T[], entry: T): void {
  list.push(entry);
  if (list.length > INSPECTION_LIMIT) list.splice(0, list.length - INSPECTION_LIMIT);
}

export class Inspection {
  readonly emails: SentEmail[] = [];
  readonly deliveries: DeliveryRecord[] = [];
  readonly requests: RequestRecord[] = [];
  /** Off by default: recording every request would cost the benchmark. */
  recordRequests = false;
  /** Graph API answers by HTTP status (inner $batch requests included), counted always: cheap and unbounded. */
  readonly statusCounts = new Map<number, number>();

  countStatus(status: number): void {
    this.statusCounts.set(status, (this.statusCounts.get(status) ?? 0) + 1);
  }

  clear(): void {
    this.emails.length = 0;
    this.deliveries.length = 0;
    this.requests.length = 0;
    this.statusCounts.clear();
  }
}

import { Secret } from '@parley/config';

/** Tokens are used until this long before they expire, so none expires on its way to Graph. */
export const TOKEN_EXPIRY_MARGIN_MS = 2 * 60_000;

interface Entry {
  readonly token: Secret;
  readonly expiresAt: number;
}

/**
 * Access tokens per subject, in memory, until 2 minutes before they expire. Concurrent misses for one subject share
 * one fetch. The map is bounded: a sync touches thousands of people once each, their entries must not pile up.
 */
export class TokenCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<Secret>>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 5_000,
  ) {}

  async get(key: string, fetch: () => Promise<{ token: string; expiresAt: number }>): Promise<string> {
    const cached = this.entries.get(key);
    if (cached && cached.expiresAt - TOKEN_EXPIRY_MARGIN_MS > this.now()) return cached.token.reveal();
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = (async () => {
        const fresh = await fetch();
        const token = new Secret(fresh.token);
        this.store(key, { token, expiresAt: fresh.expiresAt });
        return token;
      })().finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return (await pending).reveal();
  }

  invalidate(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private store(key: string, entry: Entry): void {
    // Only worth keeping when it outlives the margin.
    if (entry.expiresAt - TOKEN_EXPIRY_MARGIN_MS <= this.now()) return;
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size <= this.maxEntries) return;
    const now = this.now();
    for (const [k, e] of this.entries) if (e.expiresAt - TOKEN_EXPIRY_MARGIN_MS <= now) this.entries.delete(k);
    // Still full: drop the oldest insertions (Map keeps insertion order).
    for (const k of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(k);
    }
  }
}

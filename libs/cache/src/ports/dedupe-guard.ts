/**
 * A fast path for "have I seen this id?" that lets a replica drop an obvious redelivery without a database round
 * trip. It is only a fast path: the durable idempotency record lives in the database and stays the authority.
 * Keys vanish on ttl, eviction or a Redis restart, so a duplicate can get through here (the database catches it);
 * and `false` means another delivery got here first, not that its effect is durable, so whoever skips on `false`
 * relies on the first one either finishing or calling forget() when it fails.
 */
export interface DedupeGuard {
  /** True for the first call with `key` within `ttlMs`, false for every later one (atomic across replicas). */
  firstSeen(key: string, ttlMs: number): Promise<boolean>;
  /** Forgets `key`, so the next firstSeen is true again (call it when handling the first delivery failed). */
  forget(key: string): Promise<void>;
}

import type { RedisClient } from './redis-client';

export type RedisHealthReport = { readonly healthy: true; readonly latencyMs: number } | { readonly healthy: false; readonly reason: string };

/** For readiness probes: does Redis answer a PING within the time given? Never throws. */
export interface RedisHealth {
  check(timeoutMs?: number): Promise<RedisHealthReport>;
}

export class RedisPingHealth implements RedisHealth {
  constructor(private readonly client: RedisClient) {}

  async check(timeoutMs = 1000): Promise<RedisHealthReport> {
    if (!this.client.isReady) return { healthy: false, reason: 'not connected to Redis' };
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer PING within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.client.ping(), deadline]);
      return { healthy: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    } catch (error) {
      return { healthy: false, reason: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
  }
}

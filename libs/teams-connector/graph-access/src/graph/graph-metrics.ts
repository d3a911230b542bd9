import type { PlatformMetrics } from '@parley/observability';
import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * What the connector's Graph traffic looks like, on the service's own registry (served at /metrics):
 * every answer by status (inner $batch answers included), the 429s by the limit the request was paced under,
 * and how long requests waited for pacing.
 */
export class GraphMetrics {
  readonly responses: Counter<'status' | 'batched'>;
  readonly throttled: Counter<'limit'>;
  readonly pacingWait: Histogram<'limit'>;
  readonly membersPerAdd: Histogram;

  /**
   * @param platform the service's platform-wide figures (latency, 429s, pacing waits with platform="teams"), which
   *   the dashboard shows beside Slack's.
   */
  constructor(
    registry: Registry,
    readonly platform?: PlatformMetrics,
  ) {
    this.responses = new Counter({
      name: 'parley_graph_responses_total',
      help: 'Graph answers by HTTP status (0 = unreachable); batched="true" for the inner responses of a $batch.',
      labelNames: ['status', 'batched'],
      registers: [registry],
    });
    this.throttled = new Counter({
      name: 'parley_graph_throttled_total',
      help: 'Graph 429 answers (inner $batch answers included), by the pacing limit the request went through ("none" if unpaced).',
      labelNames: ['limit'],
      registers: [registry],
    });
    this.pacingWait = new Histogram({
      name: 'parley_graph_pacing_wait_seconds',
      help: 'Time a Graph request waited for its pacing tokens, by its tightest limit.',
      labelNames: ['limit'],
      buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [registry],
    });
    this.membersPerAdd = new Histogram({
      name: 'parley_graph_team_members_per_add',
      help: 'Members sent in each POST /teams/{id}/members/add (concurrent guest additions to one team gathered into one request).',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200],
      registers: [registry],
    });
  }

  /** Total 429s seen so far (for benchmarks and tests). */
  async throttledTotal(): Promise<number> {
    const value = await this.throttled.get();
    return value.values.reduce((sum, v) => sum + v.value, 0);
  }
}

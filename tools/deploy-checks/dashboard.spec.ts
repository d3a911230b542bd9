import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Registry } from 'prom-client';
import { ServiceMetrics } from '@parley/observability';
import { RelayMetrics } from '@parley/relay-feature';
import { GraphMetrics } from '@parley/teams-connector-graph-access';

// k8s/observability/grafana-dashboard.json queries what the services serve on /metrics. A panel naming a metric no
// service registers shows "No data" forever, which nobody notices until the day it is needed. The names come from the
// registries the services build (the runtime's ServiceMetrics, with its platform figures, the Teams connector's
// GraphMetrics and the relay's RelayMetrics), made here in-process.

const root = path.resolve(__dirname, '../..');
const dashboardFile = path.join(root, 'k8s/observability/grafana-dashboard.json');

interface Panel {
  readonly title?: string;
  readonly type?: string;
  readonly targets?: readonly { readonly expr?: string }[];
  readonly panels?: readonly Panel[];
}

/** Every series name the services can expose: each metric's name, plus a histogram's _bucket, _sum and _count. */
async function registeredSeriesNames(): Promise<Set<string>> {
  const service = new ServiceMetrics('check', { defaultMetrics: true });
  const graph = new Registry();
  new GraphMetrics(graph, service.platform);
  const relay = new Registry();
  new RelayMetrics(relay);
  const names = new Set<string>();
  for (const metric of [...(await service.registry.getMetricsAsJSON()), ...(await graph.getMetricsAsJSON()), ...(await relay.getMetricsAsJSON())]) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
  }
  return names;
}

/** Metric names in a PromQL expression: Parley's own all start with parley_ (labels, functions and keywords do not). */
function metricNamesIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...withoutStrings.matchAll(/(?<![A-Za-z0-9_:])parley_[A-Za-z0-9_:]*/g)].map((m) => m[0]);
}

function allPanels(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

describe('the Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as { panels: Panel[]; uid?: string; title?: string };
  const panels = allPanels(dashboard.panels).filter((p) => p.type !== 'row');

  it('is a dashboard with a uid, a title and query panels', () => {
    expect(dashboard.uid).toBeTruthy();
    expect(dashboard.title).toBeTruthy();
    expect(panels.length).toBeGreaterThan(5);
  });

  it('queries in every panel only metrics the services register', async () => {
    const registered = await registeredSeriesNames();
    const problems: string[] = [];
    for (const panel of panels) {
      const exprs = (panel.targets ?? []).map((t) => t.expr ?? '');
      if (exprs.length === 0) problems.push(`${panel.title}: no query`);
      for (const expr of exprs) {
        const names = metricNamesIn(expr);
        if (names.length === 0) problems.push(`${panel.title}: "${expr}" names no parley_ metric`);
        for (const name of names) if (!registered.has(name)) problems.push(`${panel.title}: ${name} is registered by no service`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('covers the figures SREs scale and alert on', () => {
    const queried = new Set(panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricNamesIn(t.expr ?? ''))));
    for (const name of [
      'parley_consumer_lag',
      'parley_outbox_backlog',
      'parley_outbox_oldest_age_seconds',
      'parley_dead_letters_total',
      'parley_platform_request_seconds_bucket',
      'parley_platform_throttled_total',
      'parley_platform_pacing_wait_seconds_bucket',
      'parley_user_syncs',
      'parley_user_sync_people',
      'parley_relay_end_to_end_seconds_bucket',
      'parley_relay_deliveries_total',
    ]) {
      expect({ name, queried: queried.has(name) }).toEqual({ name, queried: true });
    }
  });

  it('finds metric names, and not label values or functions', () => {
    expect(metricNamesIn('histogram_quantile(0.95, sum by (le) (rate(parley_a_bucket{x="parley_not_a_metric"}[5m]))) / parley_b')).toEqual(['parley_a_bucket', 'parley_b']);
  });

  it('catches a panel querying a metric nobody registers', async () => {
    const registered = await registeredSeriesNames();
    expect(metricNamesIn('sum(rate(parley_made_up_total[5m]))').filter((n) => !registered.has(n))).toEqual(['parley_made_up_total']);
  });
});

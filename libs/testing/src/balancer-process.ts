import type { BalancerCounts } from './replica-balancer';
import { ServiceProcess } from './service-process';

/** One balancer: connections to `port` go to the replicas listening on `targets`. */
export interface BalancerSpec {
  readonly app: string;
  readonly port: number;
  readonly targets: readonly number[];
}

/**
 * The balancers of a cluster's replicated apps, in a child process of their own (balancer-main, run from dist/ like
 * the services; ADR 0053). Resolves once they all listen; `stop()` the answer to close them.
 */
export async function startBalancers(specs: readonly BalancerSpec[]): Promise<ServiceProcess> {
  const running = new ServiceProcess({ app: 'balancers', script: 'libs/testing/src/balancer-main.js', env: { PARLEY_BALANCERS: JSON.stringify(specs) } }).start();
  await running.waitForLog((line) => line['msg'] === 'balancers ready', 30_000);
  return running;
}

/** Each balancer's counts as the process last reported them (every second), by app. */
export function reportedCounts(balancers: ServiceProcess | undefined): Record<string, BalancerCounts> {
  const last = balancers?.lines.findLast((line) => line['msg'] === 'balancer counts');
  return (last?.['counts'] as Record<string, BalancerCounts> | undefined) ?? {};
}

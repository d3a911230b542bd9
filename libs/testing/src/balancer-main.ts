import type { BalancerSpec } from './balancer-process';
import { balance, balancerCounts } from './replica-balancer';

/**
 * The replica balancers of a ParleyCluster, in a process of their own (`PARLEY_BALANCERS`: JSON
 * `[{ app, port, targets }]`). A Kubernetes Service costs nothing to the pods or the test driving them; run in the
 * test's own process, every byte between platforms and services and between services waited on that process's event
 * loop, which also runs the sandboxes and the driver, and its stalls became Parley's latency (ADR 0053). Writes one
 * JSON line when listening, then each balancer's counts every second.
 */
async function main(): Promise<void> {
  const specs = JSON.parse(process.env['PARLEY_BALANCERS'] ?? '[]') as BalancerSpec[];
  const servers = await Promise.all(specs.map(async (spec) => ({ app: spec.app, server: await balance(spec.port, spec.targets) })));
  process.stdout.write(`${JSON.stringify({ msg: 'balancers ready', apps: specs.map((s) => s.app) })}\n`);
  setInterval(() => {
    const counts = Object.fromEntries(servers.map(({ app, server }) => [app, balancerCounts(server)]));
    process.stdout.write(`${JSON.stringify({ msg: 'balancer counts', at: new Date().toISOString(), counts })}\n`);
  }, 1000);
  process.on('SIGTERM', () => process.exit(0));
}

void main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

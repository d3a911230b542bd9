import type { Server } from 'node:net';
import { askName, closeServer, namedReplica } from './named-replicas';
import { freePorts } from './parley-cluster';
import { reportedCounts, startBalancers } from './balancer-process';
import type { ServiceProcess } from './service-process';



/** ParleyCluster's balancers, as it starts them: a child process of their own (ADR 0053), run from dist/. */
describe('startBalancers', () => {
  let balancers: ServiceProcess | undefined;
  const servers: Server[] = [];
  afterAll(async () => {
    await balancers?.stop();
    await Promise.all(servers.filter((s) => s.listening).map(closeServer));
  });

  it('balances each app in another process, and reports what each balancer did', async () => {
    const [gateway, relay, g1, g2, r1] = (await freePorts(5)) as [number, number, number, number, number];
    servers.push(await namedReplica(g1, 'gateway-0'), await namedReplica(g2, 'gateway-1'), await namedReplica(r1, 'relay-0'));
    balancers = await startBalancers([
      { app: 'gateway', port: gateway, targets: [g1, g2] },
      { app: 'relay', port: relay, targets: [r1, (await freePorts(1))[0] as number] },
    ]);
    expect(balancers.pid).not.toBe(process.pid);
    expect([await askName(gateway), await askName(gateway)].sort()).toEqual(['gateway-0', 'gateway-1']);
    // The relay's second replica is down: its connections go to the first.
    expect([await askName(relay), await askName(relay)]).toEqual(['relay-0', 'relay-0']);
    // Reported every second.
    const deadline = Date.now() + 5_000;
    while (reportedCounts(balancers)['relay']?.accepted !== 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reportedCounts(balancers)).toMatchObject({
      gateway: { accepted: 2, handed: [1, 1], refused: [0, 0] },
      relay: { accepted: 2, handed: [2, 0], refused: [0, 1] },
    });
  });
});

import { connect, createServer, type Server } from 'node:net';
import { freePorts } from './parley-cluster';
import { reportedCounts, startBalancers } from './balancer-process';
import type { ServiceProcess } from './service-process';

/** A replica that answers each connection with its name. */
async function replica(port: number, name: string): Promise<Server> {
  const server = createServer((socket) => socket.end(name));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return server;
}

function ask(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** ParleyCluster's balancers, as it starts them: a child process of their own (ADR 0053), run from dist/. */
describe('startBalancers', () => {
  let balancers: ServiceProcess | undefined;
  const servers: Server[] = [];
  afterAll(async () => {
    await balancers?.stop();
    await Promise.all(servers.filter((s) => s.listening).map(close));
  });

  it('balances each app in another process, and reports what each balancer did', async () => {
    const [gateway, relay, g1, g2, r1] = (await freePorts(5)) as [number, number, number, number, number];
    servers.push(await replica(g1, 'gateway-0'), await replica(g2, 'gateway-1'), await replica(r1, 'relay-0'));
    balancers = await startBalancers([
      { app: 'gateway', port: gateway, targets: [g1, g2] },
      { app: 'relay', port: relay, targets: [r1, (await freePorts(1))[0] as number] },
    ]);
    expect(balancers.pid).not.toBe(process.pid);
    expect([await ask(gateway), await ask(gateway)].sort()).toEqual(['gateway-0', 'gateway-1']);
    // The relay's second replica is down: its connections go to the first.
    expect([await ask(relay), await ask(relay)]).toEqual(['relay-0', 'relay-0']);
    // Reported every second.
    const deadline = Date.now() + 5_000;
    while (reportedCounts(balancers)['relay']?.accepted !== 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reportedCounts(balancers)).toMatchObject({
      gateway: { accepted: 2, handed: [1, 1], refused: [0, 0] },
      relay: { accepted: 2, handed: [2, 0], refused: [0, 1] },
    });
  });
});

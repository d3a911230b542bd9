import path from 'node:path';
import { createServer, type Server } from 'node:net';
import { reportedCounts, startBalancers } from './balancer-process';
import type { BalancerCounts } from './replica-balancer';
import { ServiceProcess } from './service-process';

export type ClusterApp = 'gateway' | 'identity' | 'provisioning' | 'slack-connector' | 'teams-connector' | 'relay';

const urlVariable: Partial<Record<ClusterApp, string>> = {
  identity: 'PARLEY_IDENTITY_URL',
  provisioning: 'PARLEY_PROVISIONING_URL',
  'slack-connector': 'PARLEY_SLACK_CONNECTOR_URL',
  'teams-connector': 'PARLEY_TEAMS_CONNECTOR_URL',
  relay: 'PARLEY_RELAY_URL',
};

/** A free TCP port on loopback, as the kernel hands one out. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port as number;
}

/**
 * `count` distinct free TCP ports on loopback. All are held open until every one is known: asked one at a time, the
 * kernel may hand the same port out again once it is closed, and two services of one cluster then collide on it.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map((server) => (server.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()))));
  }
}

/**
 * Several Parley services as separate processes that find each other: each gets a fixed loopback port, and every
 * process is told every peer's URL, so one can be killed and restarted on the same address.
 */
export class ParleyCluster {
  private readonly ports = new Map<ClusterApp, number>();
  /** The running processes of each app, by replica (index 0 is the one kill and process name by default). */
  private readonly processes = new Map<ClusterApp, (ServiceProcess | undefined)[]>();
  /** Each replica's own port, for apps with more than one; the app's port is then its balancer's. */
  private readonly replicaPorts = new Map<ClusterApp, number[]>();
  /** The balancers of the replicated apps, in a process of their own (balancer-main). */
  private balancers: ServiceProcess | undefined;
  /** Every process ever started, restarts included, for logs on failure. */
  readonly history: ServiceProcess[] = [];

  constructor(
    private readonly options: {
      readonly apps: readonly ClusterApp[];
      readonly env: Readonly<Record<string, string>>;
      /** Node's own flags for every service process (ServiceProcessOptions.nodeArguments). */
      readonly nodeArguments?: readonly string[];
      readonly perApp?: Partial<Record<ClusterApp, Readonly<Record<string, string>>>>;
      /** Ports chosen by the caller (say, the gateway's, when a service must be told its public URL up front). */
      readonly ports?: Partial<Record<ClusterApp, number>>;
      /** How long a service may take to answer /readyz 200 (90 s by default; more on a crowded machine). */
      readonly readyTimeoutMs?: number;
      /**
       * The first app starts alone (it creates the topics), then the rest together: on a busy broker, six processes
       * creating the same topics at once set off leader elections that some of them do not survive.
       */
      readonly firstAlone?: boolean;
      /**
       * Processes per app (1 by default), as a Deployment's replicas: with more than one, the app's address is a
       * balancer that hands each new connection to a replica that accepts it (as a Service does), and kill(app) and
       * restart(app, replica) act on one replica while the others keep answering.
       */
      readonly replicas?: Partial<Record<ClusterApp, number>>;
    },
  ) {}

  async start(): Promise<this> {
    const replicated = this.options.apps.filter((app) => this.replicasOf(app) > 1);
    const ports = await freePorts(this.options.apps.length + replicated.reduce((n, app) => n + this.replicasOf(app), 0));
    this.options.apps.forEach((app, i) => this.ports.set(app, this.options.ports?.[app] ?? (ports[i] as number)));
    let spare = this.options.apps.length;
    for (const app of replicated) {
      this.replicaPorts.set(app, ports.slice(spare, spare + this.replicasOf(app)));
      spare += this.replicasOf(app);
    }
    if (replicated.length > 0) {
      this.balancers = await startBalancers(replicated.map((app) => ({ app, port: this.ports.get(app) as number, targets: this.replicaPorts.get(app) as number[] })));
    }
    const [first, ...rest] = this.options.apps;
    if (this.options.firstAlone && first) {
      await this.startApp(first);
      await Promise.all(rest.map((app) => this.startApp(app)));
    } else {
      await Promise.all(this.options.apps.map((app) => this.startApp(app)));
    }
    return this;
  }

  /** What the balancer of each replicated app had done at its last report, a second ago at most (for a run's diagnostics). */
  balancerCounts(): Partial<Record<ClusterApp, BalancerCounts>> {
    return reportedCounts(this.balancers);
  }

  replicasOf(app: ClusterApp): number {
    return Math.max(1, this.options.replicas?.[app] ?? 1);
  }

  url(app: ClusterApp): string {
    const port = this.ports.get(app);
    if (port === undefined) throw new Error(`${app} is not part of this cluster`);
    return `http://127.0.0.1:${port}`;
  }

  process(app: ClusterApp, replica = 0): ServiceProcess {
    const running = this.processes.get(app)?.[replica];
    if (!running) throw new Error(`${app}${replica > 0 ? ` replica ${replica}` : ''} is not running`);
    return running;
  }

  /** Kills one service's process (replica 0 unless told; SIGKILL by default: no chance to finish anything) and waits until it is gone. */
  async kill(app: ClusterApp, signal: NodeJS.Signals = 'SIGKILL', replica = 0): Promise<void> {
    const running = this.process(app, replica);
    running.kill(signal);
    await running.waitForExit(30_000);
    (this.processes.get(app) as (ServiceProcess | undefined)[])[replica] = undefined;
  }

  /** Stops (SIGTERM) and starts again every replica of the app, or only `replica` when given. */
  async restart(app: ClusterApp, replica?: number): Promise<void> {
    const replicas = replica === undefined ? [...Array(this.replicasOf(app)).keys()] : [replica];
    for (const r of replicas) {
      if (this.processes.get(app)?.[r]) await this.kill(app, 'SIGTERM', r);
      await this.startReplica(app, r);
    }
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.processes.values()].flat().map((p) => p?.stop()));
    this.processes.clear();
    await this.balancers?.stop();
    this.balancers = undefined;
  }

  describe(): string {
    return this.history.map((p, i) => `--- process ${i} ---\n${p.describe()}`).join('\n');
  }

  private async startApp(app: ClusterApp): Promise<void> {
    await Promise.all([...Array(this.replicasOf(app)).keys()].map((replica) => this.startReplica(app, replica)));
  }

  private async startReplica(app: ClusterApp, replica: number): Promise<void> {
    const peers = Object.fromEntries(
      this.options.apps.filter((a) => urlVariable[a]).map((a) => [urlVariable[a] as string, this.url(a)]),
    );
    const port = this.replicaPorts.get(app)?.[replica] ?? (this.ports.get(app) as number);
    const started = new ServiceProcess({
      app,
      nodeArguments: this.options.nodeArguments ?? cpuProfileArguments(app),
      env: { ...this.options.env, ...peers, ...(this.options.perApp?.[app] ?? {}), HTTP_HOST: '127.0.0.1', HTTP_PORT: String(port) },
    }).start();
    this.history.push(started);
    const running = this.processes.get(app) ?? [];
    running[replica] = started;
    this.processes.set(app, running);
    // A machine shared with other work can take longer: PARLEY_CLUSTER_READY_MS raises the default wait (90 s).
    await this.waitUntilReady(`http://127.0.0.1:${port}`, app, started, this.options.readyTimeoutMs ?? Number(process.env['PARLEY_CLUSTER_READY_MS'] ?? 90_000));
  }

  /** Ready means /readyz answers 200: its Kafka, database and Redis are up (whatever the log level). */
  private async waitUntilReady(url: string, app: ClusterApp, started: ServiceProcess, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (started.exited) throw new Error(`${app} exited while starting\n${started.describe()}`);
      try {
        const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${app} was not ready within ${timeoutMs} ms\n${started.describe()}`);
  }
}

/**
 * PARLEY_CPU_PROFILE_DIR: each service process writes a V8 CPU profile (`<dir>/<app>/*.cpuprofile`, open it in Chrome
 * DevTools) when it exits normally; a SIGKILLed one writes none. For finding where a load run's time goes.
 */
function cpuProfileArguments(app: string): string[] | undefined {
  const dir = process.env['PARLEY_CPU_PROFILE_DIR'];
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(dir, app)}`] : undefined;
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startPlatformSandboxes, type PlatformSandboxes } from '@parley/sandbox-runner';
import { type ClusterApp, createFreshDatabase, deleteTopicsWithPrefix, freePorts, integrationEnv, ParleyCluster, uniqueSuffix } from '@parley/testing';
import { distributedServiceEnv } from './service-env';

/** Parley's services as separate processes on the real servers, with the Slack and Graph sandboxes as the platforms. */
export interface SandboxedStack {
  readonly database: Awaited<ReturnType<typeof createFreshDatabase>>;
  readonly sandboxes: PlatformSandboxes;
  readonly cluster: ParleyCluster;
  /** Prepended to every topic name of this stack's services. */
  readonly topicPrefix: string;
  /** Runs a test's work; when it fails, the error carries every service's state and log tail. */
  withLogs<T>(work: () => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

export interface SandboxedStackOptions {
  /** Names the topic prefix and the temporary folder, so a run left behind says whose it is (lower case, digits). */
  readonly label: string;
  readonly apps: readonly ClusterApp[];
  readonly operatorKey: string;
  readonly sandboxes: Parameters<typeof startPlatformSandboxes>[0];
  readonly partitions?: number;
  /** Per service, passed by reference: a check may change it before restarting a service. */
  readonly perApp?: Partial<Record<ClusterApp, Readonly<Record<string, string>>>>;
  readonly env?: Readonly<Record<string, string>>;
  /** Node's own flags for every service process (ServiceProcessOptions.nodeArguments). */
  readonly nodeArguments?: readonly string[];
  /**
   * The platforms reach Parley as in production, through the gateway's public paths: Slack's Events API URL is the
   * gateway's /slack/events, and teams-connector subscribes to Graph's change notifications with the gateway as its
   * public URL (and a notification certificate of its own), checking its subscriptions every second.
   */
  readonly platformIngress?: boolean;
  readonly readyTimeoutMs?: number;
  /** Starts the first app alone before the others (ParleyCluster's `firstAlone`). */
  readonly firstAlone?: boolean;
  /** Processes per app behind one address (ParleyCluster's `replicas`). */
  readonly replicas?: Partial<Record<ClusterApp, number>>;
  /** Leaves the database behind at stop (its name in `database.url`), to look into after a failed run. */
  readonly keepDatabase?: boolean;
}

/**
 * A fresh database, the sandboxes, their CA in a file the services trust (`NODE_EXTRA_CA_CERTS`, read at process
 * start) and the cluster, started in that order; `stop()` undoes all of it, whatever part of it started.
 */
export async function startSandboxedStack(options: SandboxedStackOptions): Promise<SandboxedStack> {
  const servers = integrationEnv();
  const dir = mkdtempSync(path.join(tmpdir(), `parley-${options.label}-`));
  const topicPrefix = `${options.label}-${uniqueSuffix()}.`;
  const parts: { database?: SandboxedStack['database']; sandboxes?: PlatformSandboxes; cluster?: ParleyCluster } = {};
  const stop = async (): Promise<void> => {
    await parts.cluster?.stop();
    await parts.sandboxes?.stop();
    if (!options.keepDatabase) await parts.database?.drop();
    // The services created every catalog topic under this stack's own prefix; a shared broker must not keep them.
    if (parts.cluster) await deleteTopicsWithPrefix(servers.kafkaBrokers, topicPrefix);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    parts.database = await createFreshDatabase(servers.databaseUrl);
    parts.sandboxes = await startPlatformSandboxes(options.sandboxes);
    const caFile = path.join(dir, 'ca.pem');
    writeFileSync(caFile, parts.sandboxes.graph.caPem);
    const ports = await freePorts(options.apps.length);
    const portOf = Object.fromEntries(options.apps.map((app, i) => [app, ports[i] as number])) as Partial<Record<ClusterApp, number>>;
    const perApp = options.perApp ?? {};
    if (options.platformIngress) addPlatformIngress(perApp, `http://127.0.0.1:${portOf.gateway}`);
    parts.cluster = new ParleyCluster({
      apps: options.apps,
      ports: portOf,
      readyTimeoutMs: options.readyTimeoutMs,
      firstAlone: options.firstAlone,
      replicas: options.replicas,
      nodeArguments: options.nodeArguments,
      perApp,
      env: distributedServiceEnv(
        servers,
        { topicPrefix, databaseUrl: parts.database.url, partitions: options.partitions },
        { PARLEY_OPERATOR_API_KEY: options.operatorKey, NODE_EXTRA_CA_CERTS: caFile, ...options.env },
      ),
    });
    await parts.cluster.start();
    if (options.platformIngress) {
      const url = `${parts.cluster.url('gateway')}/slack/events`;
      if (!(await parts.sandboxes.slack.control.setEventsUrl({ url }))) throw new Error(`the Slack sandbox refused the Events API URL ${url}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const { database, sandboxes, cluster } = parts as Required<typeof parts>;
  return {
    database,
    sandboxes,
    cluster,
    topicPrefix,
    stop,
    async withLogs<T>(work: () => Promise<T>): Promise<T> {
      try {
        return await work();
      } catch (error) {
        throw new Error(`${error instanceof Error ? error.stack : String(error)}\n${cluster.describe()}`);
      }
    },
  };
}

/**
 * teams-connector's public URL (it makes each connection's notification certificate itself, ADR 0028), added to what
 * the caller set for it (which wins).
 */
function addPlatformIngress(perApp: Partial<Record<ClusterApp, Readonly<Record<string, string>>>>, gatewayUrl: string): void {
  perApp['teams-connector'] = {
    PARLEY_TEAMS_PUBLIC_URL: gatewayUrl,
    PARLEY_TEAMS_SUBSCRIPTION_CHECK_MS: '1000',
    ...perApp['teams-connector'],
  };
}

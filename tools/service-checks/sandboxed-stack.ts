import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startPlatformSandboxes, type PlatformSandboxes } from '@parley/sandbox-runner';
import { type ClusterApp, createFreshDatabase, integrationEnv, ParleyCluster, uniqueSuffix } from '@parley/testing';
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
  /** Starts the first app alone before the others (ParleyCluster's `firstAlone`). */
  readonly firstAlone?: boolean;
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
    await parts.database?.drop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    parts.database = await createFreshDatabase(servers.databaseUrl);
    parts.sandboxes = await startPlatformSandboxes(options.sandboxes);
    const caFile = path.join(dir, 'ca.pem');
    writeFileSync(caFile, parts.sandboxes.graph.caPem);
    parts.cluster = new ParleyCluster({
      apps: options.apps,
      perApp: options.perApp,
      firstAlone: options.firstAlone,
      env: distributedServiceEnv(
        servers,
        { topicPrefix, databaseUrl: parts.database.url, partitions: options.partitions },
        { PARLEY_OPERATOR_API_KEY: options.operatorKey, NODE_EXTRA_CA_CERTS: caFile, ...options.env },
      ),
    });
    await parts.cluster.start();
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

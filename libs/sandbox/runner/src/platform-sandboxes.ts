import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateSandboxCertificates, startGraphSandbox, type GraphSandbox, type GraphState, type SandboxCertificates, type SeededCredentials } from '@parley/sandbox-graph';
import type { SeedOrganization } from '@parley/sandbox-seed';
import { startSlackSandbox, type SlackSandbox, type SlackSeedCredentials, type SlackState, type SeedOptions as SlackSeedOptions } from '@parley/sandbox-slack';
import { readSnapshot, SnapshotFile, writeFileDurably } from './snapshot-file';

export interface PlatformSandboxOptions {
  readonly slackPort?: number;
  readonly graphPort?: number;
  readonly host?: string;
  /** Documented limits on (the default) and how compressed time is (1 = real time). */
  readonly limitsEnabled?: boolean;
  readonly timeScale?: number;
  /**
   * Where the sandboxes keep their state across restarts (`npm start` passes a folder of its data directory): both
   * platforms, the Graph CA and every credential they issued are restored from there, and each change is saved before
   * it is answered. Without it they start empty and seeded every time, in memory only.
   */
  readonly stateDir?: string;
}

/** What `stateDir` holds: one file per platform, and the Graph sandbox's CA and server key. */
export const SANDBOX_STATE_FILES = { slack: 'slack.json', graph: 'graph.json', tls: 'graph-tls.json' } as const;

interface SavedSlack {
  readonly seed: SlackSeedCredentials;
  readonly state: SlackState;
}

/** What a client of the seeded demo organization needs: endpoints and credentials for both platforms. */
export interface DemoCredentials {
  readonly slack: {
    readonly apiUrl: string;
    readonly teamId: string;
    readonly appId: string;
    readonly botToken: string;
    readonly signingSecret: string;
    /** The app's OAuth client credentials: people's Slack consent (oauth.v2.access) needs them. */
    readonly clientId: string;
    readonly clientSecret: string;
    /** An app-level token (xapp-, authorizations:read) for apps.event.authorizations.list. */
    readonly appToken: string;
    readonly scimUrl: string;
    readonly scimToken: string;
    readonly controlUrl: string;
  };
  readonly graph: {
    readonly baseUrl: string;
    readonly graphUrl: string;
    readonly tokenEndpoint: string;
    readonly customerTenantId: string;
    readonly homeTenantId: string;
    readonly homeTenantDomain: string;
    readonly clientId: string;
    readonly clientSecret: string;
    readonly redirectUri: string;
    readonly teamId: string;
    /** Where the token endpoints live: `${authorityUrl}/{tenant}/oauth2/v2.0/token`. */
    readonly authorityUrl: string;
    /** The team's owner, a service account whose password the sandbox holds (adding guests needs a delegated owner). */
    readonly teamOwner: { readonly username: string; readonly password: string };
    /** Every seeded Teams person's sign-in (UPN -> password), for playing a person at the consent page. */
    readonly passwords: Readonly<Record<string, string>>;
    readonly controlUrl: string;
  };
}

export interface PlatformSandboxes {
  readonly slack: SlackSandbox;
  readonly graph: GraphSandbox;
  readonly credentials: DemoCredentials;
  /** Writes ca.pem and demo-credentials.json (owner-only: the file holds the sandbox's secrets). */
  writeFiles(directory: string): { caPath: string; credentialsPath: string };
  /** Seeds one more organization (its own workspace and tenants) into both sandboxes and returns its credentials. */
  seedOrganization(org: SeedOrganization, slackOptions?: SlackSeedOptions): DemoCredentials;
  /** True when the state came from `stateDir` (an earlier run) rather than a fresh seed. */
  readonly restored: boolean;
  stop(): Promise<void>;
}

/** Both platform sandboxes, seeded with the same demo organization, as `npm run sandbox` and `npm start` run them. */
export async function startPlatformSandboxes(options: PlatformSandboxOptions = {}): Promise<PlatformSandboxes> {
  const limits = { enabled: options.limitsEnabled ?? true, timeScale: options.timeScale ?? 1 };
  const stateDir = options.stateDir;
  const saved = stateDir ? loadSavedState(stateDir) : undefined;
  const certificates = stateDir ? await certificatesIn(stateDir) : undefined;
  // The files are written by the writers below, which capture the sandboxes once they exist.
  let slackFile: SnapshotFile | undefined;
  let graphFile: SnapshotFile | undefined;
  const slack = await startSlackSandbox({
    port: options.slackPort ?? 0,
    host: options.host,
    limits,
    restore: saved?.slack?.state,
    persist: stateDir ? () => slackFile?.save() ?? Promise.resolve() : undefined,
  });
  let graph: GraphSandbox;
  try {
    graph = await startGraphSandbox({
      port: options.graphPort ?? 0,
      host: options.host,
      limits,
      certificates,
      restore: saved?.graph,
      persist: stateDir ? () => graphFile?.save() ?? Promise.resolve() : undefined,
    });
  } catch (error) {
    await slack.stop();
    throw error;
  }
  const slackSeed = saved?.slack?.seed ?? slack.seedDemo();
  const graphSeed = (saved?.graph ? graph.credentials : undefined) ?? graph.seedDemo();
  if (stateDir) {
    slackFile = new SnapshotFile(path.join(stateDir, SANDBOX_STATE_FILES.slack), (): SavedSlack => ({ seed: slackSeed, state: slack.exportState() }));
    graphFile = new SnapshotFile(path.join(stateDir, SANDBOX_STATE_FILES.graph), () => graph.exportState());
    try {
      await Promise.all([slackFile.save(), graphFile.save()]);
    } catch (error) {
      await Promise.allSettled([slack.stop(), graph.stop()]);
      throw error;
    }
  }
  const credentials = credentialsFor(slack, graph, slackSeed, graphSeed);
  return {
    slack,
    graph,
    credentials,
    restored: Boolean(saved?.slack ?? saved?.graph),
    seedOrganization: (org, seedOptions) => credentialsFor(slack, graph, slack.seed(org, seedOptions), graph.seed(org)),
    writeFiles: (directory) => {
      mkdirSync(directory, { recursive: true });
      const caPath = path.join(directory, 'ca.pem');
      const credentialsPath = path.join(directory, 'demo-credentials.json');
      writeFileSync(caPath, graph.caPem);
      writeFileSync(credentialsPath, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
      chmodSync(credentialsPath, 0o600);
      return { caPath, credentialsPath };
    },
    stop: async () => {
      await Promise.allSettled([slack.stop(), graph.stop()]);
      // Changes made outside a request (notification bookkeeping, seeding more organizations) are saved last.
      await Promise.all([slackFile?.save(), graphFile?.save()]);
    },
  };
}

function loadSavedState(stateDir: string): { slack?: SavedSlack; graph?: GraphState } {
  return {
    slack: readSnapshot<SavedSlack>(path.join(stateDir, SANDBOX_STATE_FILES.slack), "the Slack sandbox's state"),
    graph: readSnapshot<GraphState>(path.join(stateDir, SANDBOX_STATE_FILES.graph), "the Graph sandbox's state"),
  };
}

/** The Graph sandbox's CA and server certificate, made once per state folder so clients that trust it keep working. */
async function certificatesIn(stateDir: string): Promise<SandboxCertificates> {
  const file = path.join(stateDir, SANDBOX_STATE_FILES.tls);
  const saved = readSnapshot<SandboxCertificates>(file, "the Graph sandbox's certificates");
  if (saved) return saved;
  const made = generateSandboxCertificates();
  await writeFileDurably(file, `${JSON.stringify(made)}\n`);
  return made;
}

/** The seed makes the first Teams person the team's owner. */
function teamOwnerOf(passwords: Readonly<Record<string, string>>): { username: string; password: string } {
  const [owner] = Object.entries(passwords);
  if (!owner) throw new Error('the Graph seed has no Teams people, so the team has no owner');
  return { username: owner[0], password: owner[1] };
}

function credentialsFor(slack: SlackSandbox, graph: GraphSandbox, s: SlackSeedCredentials, g: SeededCredentials): DemoCredentials {
  return {
    slack: {
      apiUrl: slack.apiUrl,
      teamId: s.teamId,
      appId: s.appId,
      botToken: s.botToken,
      signingSecret: s.signingSecret,
      clientId: s.clientId,
      clientSecret: s.clientSecret,
      appToken: s.appToken,
      scimUrl: `${slack.url}/scim/v2`,
      scimToken: s.scimToken,
      controlUrl: `${slack.url}/_control`,
    },
    graph: {
      baseUrl: graph.url,
      graphUrl: graph.graphUrl,
      tokenEndpoint: `${graph.url}/${g.customerTenantId}/oauth2/v2.0/token`,
      customerTenantId: g.customerTenantId,
      homeTenantId: g.homeTenantId,
      homeTenantDomain: g.homeTenantDomain,
      clientId: g.clientId,
      clientSecret: g.clientSecret,
      redirectUri: g.redirectUri,
      teamId: g.teamId,
      authorityUrl: graph.url,
      teamOwner: teamOwnerOf(g.passwords),
      passwords: g.passwords,
      controlUrl: `${graph.url}/_control`,
    },
  };
}

/** The `POST /v1/connections` bodies an admin sends to connect Parley to these sandboxes' workspace and tenant. */
export function connectionRequests(credentials: DemoCredentials): { slack: Record<string, unknown>; teams: Record<string, unknown> } {
  return {
    slack: {
      platform: 'slack',
      botToken: credentials.slack.botToken,
      signingSecret: credentials.slack.signingSecret,
      scimToken: credentials.slack.scimToken,
      clientId: credentials.slack.clientId,
      clientSecret: credentials.slack.clientSecret,
      apiUrl: credentials.slack.apiUrl,
      scimUrl: credentials.slack.scimUrl,
    },
    teams: {
      platform: 'teams',
      tenantId: credentials.graph.customerTenantId,
      clientId: credentials.graph.clientId,
      clientSecret: credentials.graph.clientSecret,
      homeTenantId: credentials.graph.homeTenantId,
      homeTenantDomain: credentials.graph.homeTenantDomain,
      teamIds: [credentials.graph.teamId],
      teamOwner: credentials.graph.teamOwner,
      authorityUrl: credentials.graph.authorityUrl,
      graphUrl: credentials.graph.graphUrl,
    },
  };
}

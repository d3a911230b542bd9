import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startGraphSandbox, type GraphSandbox, type SeededCredentials } from '@parley/sandbox-graph';
import type { SeedOrganization } from '@parley/sandbox-seed';
import { startSlackSandbox, type SlackSandbox, type SlackSeedCredentials, type SeedOptions as SlackSeedOptions } from '@parley/sandbox-slack';

export interface PlatformSandboxOptions {
  readonly slackPort?: number;
  readonly graphPort?: number;
  readonly host?: string;
  /** Documented limits on (the default) and how compressed time is (1 = real time). */
  readonly limitsEnabled?: boolean;
  readonly timeScale?: number;
}

/** What a client of the seeded demo organization needs: endpoints and credentials for both platforms. */
export interface DemoCredentials {
  readonly slack: {
    readonly apiUrl: string;
    readonly teamId: string;
    readonly appId: string;
    readonly botToken: string;
    readonly signingSecret: string;
    readonly clientId: string;
    readonly clientSecret: string;
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
  stop(): Promise<void>;
}

/** Both platform sandboxes, seeded with the same demo organization, as `npm run sandbox` and `npm start` run them. */
export async function startPlatformSandboxes(options: PlatformSandboxOptions = {}): Promise<PlatformSandboxes> {
  const limits = { enabled: options.limitsEnabled ?? true, timeScale: options.timeScale ?? 1 };
  const slack = await startSlackSandbox({ port: options.slackPort ?? 0, host: options.host, limits });
  let graph: GraphSandbox;
  try {
    graph = await startGraphSandbox({ port: options.graphPort ?? 0, host: options.host, limits });
  } catch (error) {
    await slack.stop();
    throw error;
  }
  const credentials = credentialsFor(slack, graph, slack.seedDemo(), graph.seedDemo());
  return {
    slack,
    graph,
    credentials,
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
    },
  };
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

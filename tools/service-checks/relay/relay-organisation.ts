import { AdminApi } from '@parley/admin-client';
import { connectionRequests } from '@parley/sandbox-runner';
import { demoOrganization, type SeedPerson } from '@parley/sandbox-seed';
import type { ClusterApp } from '@parley/testing';
import { PlatformProbe } from '../guest-sync/platform-probe';
import { startSandboxedStack, type SandboxedStack } from '../sandboxed-stack';

/** A redirect URL the Slack sandbox's seeded app allows; the test plays the proxy that forwards it to the gateway. */
const CONSENT_URL = 'http://127.0.0.1:3000';
const APPS: ClusterApp[] = ['identity', 'provisioning', 'relay', 'slack-connector', 'teams-connector', 'gateway'];

/** One person of the demo organization with their account on each platform, as the platforms list them. */
export interface RelayPerson {
  readonly key: string;
  readonly email: string;
  readonly realName: string;
  readonly primary: 'slack' | 'teams';
  /** Their Slack account: native for Slack-primary people, the SCIM mirror Parley made for Teams-primary people. */
  readonly slackId: string;
  /** Their Teams account: the guest Parley made for Slack-primary people, native for Teams-primary people. */
  readonly teamsId: string;
}

export interface RelayOrganisation {
  readonly stack: SandboxedStack;
  readonly admin: AdminApi;
  /** The operator's API (dead letters, every organization). */
  readonly operator: AdminApi;
  readonly probe: PlatformProbe;
  /** Slack-only engineers (Teams guests) and Teams-only sales reps (Slack mirrors, consented), in the seed's order. */
  readonly engineers: readonly RelayPerson[];
  readonly reps: readonly RelayPerson[];
  /** The Parley app's bot user on Slack (it posts notices in people's DMs with the app). */
  readonly slackBotUserId: string;
  stop(): Promise<void>;
}

export interface RelayOrganisationOptions {
  readonly label: string;
  /** Compresses the platforms' windows and Retry-Afters; their limits stay on. Default 0.05 (twenty times faster). */
  readonly timeScale?: number;
  /** teams-connector's catch-up interval (PARLEY_TEAMS_CATCH_UP_INTERVAL_MS). */
  readonly catchUpIntervalMs?: number;
  /** Processes per app behind one address, as Deployments' replicas (k8s/base/autoscaling.yaml keeps two of each connector and the relay). */
  readonly replicas?: Partial<Record<ClusterApp, number>>;
  /** Leaves the stack's database behind at stop (SandboxedStackOptions.keepDatabase). */
  readonly keepDatabase?: boolean;
}

/**
 * Issue 9's organization on separate processes: the six services on the real servers, the sandboxes as Slack and
 * Teams, the demo organization connected and synced (each engineer a Teams guest, each sales rep a Slack mirror), and
 * every sales rep's Slack consent given on the sandbox's authorize page, so Parley speaks as each of them and hears
 * their DMs. Graph reaches teams-connector and Slack reaches slack-connector through the gateway's public paths.
 */
export async function startRelayOrganisation(options: RelayOrganisationOptions): Promise<RelayOrganisation> {
  const operatorKey = `op_${'r'.repeat(40)}`;
  const timeScale = options.timeScale ?? 0.05;
  // teams-connector makes each connection's notification certificate itself (ADR 0028).
  const teamsConnectorEnv: Record<string, string> = {
    PARLEY_TEAMS_SUBSCRIPTION_CHECK_MS: '1000',
    PARLEY_TEAMS_CATCH_UP_INTERVAL_MS: String(options.catchUpIntervalMs ?? 5_000),
    // The sandbox's clock is Graph's: what it lists is indexed at once.
    PARLEY_TEAMS_CATCH_UP_LAG_MS: '1000',
    // The default hold (2 minutes, for a large tenant's catch-up pass) on the sandboxes' compressed clock would be 40
    // minutes: a SIGKILLed holder would pause catch-up and subscription upkeep for a chaos run's whole settling.
    PARLEY_TEAMS_LEASE_TTL_MS: '10000',
  };
  const stack = await startSandboxedStack({
    label: options.label,
    apps: APPS,
    operatorKey,
    sandboxes: { limitsEnabled: true, timeScale },
    partitions: 3,
    firstAlone: true,
    replicas: options.replicas,
    keepDatabase: options.keepDatabase,
    // Parley paces itself by the platforms' documented limits, on the same compressed clock as the sandboxes.
    // Six processes share one PostgreSQL with every other check: five connections each, not ten.
    // RELAY_ACCEPTANCE_LOG_LEVEL=debug makes every process say what it does (with RELAY_ACCEPTANCE_LOG_DIR to keep it).
    env: {
      PARLEY_SLACK_LIMIT_TIME_SCALE: String(timeScale),
      PARLEY_GRAPH_LIMIT_TIME_SCALE: String(timeScale),
      DATABASE_POOL_SIZE: '5',
      ...(process.env['RELAY_ACCEPTANCE_LOG_LEVEL'] ? { LOG_LEVEL: process.env['RELAY_ACCEPTANCE_LOG_LEVEL'] } : {}),
    },
    perApp: { gateway: { PARLEY_PUBLIC_URL: CONSENT_URL }, identity: { PARLEY_PUBLIC_URL: CONSENT_URL }, 'teams-connector': teamsConnectorEnv },
  });
  const probe = new PlatformProbe(stack.sandboxes);
  const stop = async () => {
    await probe.close();
    await stack.stop();
  };
  try {
    // Graph reaches Parley at the gateway, whose port is known once it listens (the perApp record is read at restart).
    teamsConnectorEnv['PARLEY_TEAMS_PUBLIC_URL'] = stack.cluster.url('gateway');
    await stack.cluster.restart('teams-connector');
    if (!(await stack.sandboxes.slack.control.setEventsUrl({ url: `${stack.cluster.url('gateway')}/slack/events` }))) {
      throw new Error('the Slack sandbox did not accept the gateway as its Events API URL');
    }
    const operator = new AdminApi(stack.cluster.url('gateway'), operatorKey);
    const admin = operator.withKey((await operator.createOrg('Relay acceptance')).adminApiKey);
    const connections = connectionRequests(stack.sandboxes.credentials);
    await admin.connect(connections.slack);
    await admin.connect(connections.teams);
    const sync = await admin.waitForSync((await admin.startSync('guest')).id, { timeoutMs: 180_000 });
    if (sync.status !== 'succeeded') throw new Error(`the guest sync ended ${JSON.stringify(sync)}`);

    const seed = demoOrganization().people.filter((p) => !p.bot && !p.deactivated && p.slack !== p.teams);
    const people = await accountsOnThePlatforms(stack, probe, seed);
    const reps = people.filter((p) => p.primary === 'teams');
    for (const rep of reps) await consentOnSlack(stack, admin, rep);
    await waitForChatSubscription(probe);
    const bot = (await slackCall<{ user_id: string }>(stack, stack.sandboxes.credentials.slack.botToken, 'auth.test', {})).user_id;
    return { stack, admin, operator, probe, engineers: people.filter((p) => p.primary === 'slack'), reps, slackBotUserId: bot, stop };
  } catch (error) {
    const described = `${error instanceof Error ? error.stack : String(error)}\n${stack.cluster.describe()}`;
    await stop();
    throw new Error(described);
  }
}

/** One Slack Web API call with a token, as a client would make it; throws on `ok: false`. */
export async function slackCall<T>(stack: SandboxedStack, token: string, method: string, params: Record<string, string>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${stack.sandboxes.credentials.slack.apiUrl}${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    // A person's client shares Slack's limits with everyone else: it waits as told.
    if (response.status === 429 && attempt < 40) {
      // The sandbox also says the exact wait on its compressed clock (Retry-After is whole seconds, at least 1).
      const exact = response.headers.get('x-sandbox-retry-after-ms');
      await new Promise((resolve) => setTimeout(resolve, exact ? Number(exact) : Number(response.headers.get('retry-after') ?? '1') * 1000));
      continue;
    }
    const body = (await response.json()) as T & { ok: boolean; error?: string };
    if (!body.ok) throw new Error(`Slack ${method}: ${body.error}`);
    return body;
  }
}

/** Who is who, read from the platforms: Slack's users.list and Graph's users, matched by email. */
async function accountsOnThePlatforms(stack: SandboxedStack, probe: PlatformProbe, seed: readonly SeedPerson[]): Promise<RelayPerson[]> {
  const slackIds = new Map<string, string>();
  let cursor = '';
  do {
    const page = await slackCall<{ members: { id: string; deleted?: boolean; is_bot?: boolean; profile: { email?: string } }[]; response_metadata?: { next_cursor?: string } }>(
      stack,
      stack.sandboxes.credentials.slack.botToken,
      'users.list',
      { limit: '200', ...(cursor ? { cursor } : {}) },
    );
    for (const m of page.members) if (m.profile.email && !m.deleted && !m.is_bot) slackIds.set(m.profile.email.toLowerCase(), m.id);
    cursor = page.response_metadata?.next_cursor ?? '';
  } while (cursor);
  const teamsIds = new Map<string, string>();
  const token = await probe.appToken();
  const guestIds = new Map<string, string>();
  let next: string | undefined = '/users?$select=id,mail,userType,displayName&$top=100';
  while (next) {
    const page: { status: number; body: { value: { id: string; mail: string | null; userType: string; displayName: string }[]; '@odata.nextLink'?: string } } = await probe.graph(next, token);
    if (page.status !== 200) throw new Error(`listing Graph users answered ${page.status}`);
    for (const u of page.body.value) {
      // A guest's mail is its home account's; the guest carries the person's name, as Teams shows it.
      if (u.userType === 'Guest') guestIds.set(u.displayName, u.id);
      else if (u.mail) teamsIds.set(u.mail.toLowerCase(), u.id);
    }
    next = page.body['@odata.nextLink'];
  }
  return seed.map((p) => {
    const slackId = slackIds.get(p.email.toLowerCase());
    const teamsId = p.slack ? guestIds.get(p.realName) : teamsIds.get(p.email.toLowerCase());
    if (!slackId || !teamsId) throw new Error(`${p.email} has no account on ${slackId ? 'Teams' : 'Slack'} after the sync`);
    return { key: p.key, email: p.email, realName: p.realName, primary: p.slack ? 'slack' : 'teams', slackId, teamsId };
  });
}

/** The rep's browser: the admin's consent link, Slack's authorize page approved as the mirror, back to the gateway. */
async function consentOnSlack(stack: SandboxedStack, admin: AdminApi, rep: RelayPerson): Promise<void> {
  const person = (await admin.allPeople({ query: rep.email }))[0];
  if (!person) throw new Error(`Parley does not know ${rep.email}`);
  const link = await admin.expect<{ url: string }>(200, 'GET', `/v1/people/${person.id}/consent-link?platform=slack`);
  const { location } = stack.sandboxes.slack.control.approve({ url: link.url, as: rep.slackId });
  const back = new URL(location);
  const landing = await fetch(`${stack.cluster.url('gateway')}${back.pathname}${back.search}`);
  if (landing.status !== 200) throw new Error(`${rep.email}'s Slack consent landed with ${landing.status}: ${await landing.text()}`);
}

/** teams-connector subscribes to the tenant's chat messages on its next check; Teams people write after that. */
async function waitForChatSubscription(probe: PlatformProbe): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const page = await probe.graph<{ value: { resource: string }[] }>('/subscriptions', await probe.appToken());
    if (page.status === 200 && page.body.value.some((s) => s.resource.includes('getAllMessages'))) return;
    if (Date.now() > deadline) throw new Error(`teams-connector made no chat subscription: ${JSON.stringify(page.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

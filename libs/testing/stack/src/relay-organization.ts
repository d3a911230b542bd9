import type { PersonView } from '@parley/internal-api';
import { connectionRequests } from '@parley/sandbox-runner';
import { AdminApi } from '@parley/admin-client';
import type { SandboxedStack } from './sandboxed-stack';

/**
 * A redirect URL the Slack sandbox's seeded app allows. Start the gateway and identity with it as PARLEY_PUBLIC_URL;
 * whoever plays a person's browser forwards the redirect to the gateway (as a proxy would).
 */
export const RELAY_PUBLIC_URL = 'http://127.0.0.1:3000';

/** One Slack-primary person with a Teams guest and one Teams-primary person with a consented Slack mirror. */
export interface RelayPair {
  readonly slackPerson: { readonly personId: string; readonly displayName: string; readonly slackUserId: string; readonly teamsGuestId: string };
  readonly teamsPerson: { readonly personId: string; readonly displayName: string; readonly teamsUserId: string; readonly slackMirrorId: string };
}

export interface RelayOrganization {
  readonly admin: AdminApi;
  readonly orgId: string;
  readonly pairs: readonly RelayPair[];
}

const active = (person: PersonView, platform: 'slack' | 'teams', kind: string) =>
  person.accounts.find((a) => a.platform === platform && a.kind === kind && a.status === 'active' && a.platformUserId)?.platformUserId ?? undefined;

/**
 * The seeded demo organization made ready to relay, through the public API only: an org with both connections, a guest
 * sync (Slack-only people get Teams guests, Teams-only people Slack mirrors), and Slack consent given by the first
 * `pairs` Teams-primary people on Slack's authorize page, so Parley speaks as each of them rather than in the fallback
 * voice. Pairs each of them with a Slack-primary person, in email order.
 */
export async function relayReadyOrganization(stack: SandboxedStack, options: { operatorKey: string; name: string; pairs: number }): Promise<RelayOrganization> {
  const gateway = stack.cluster.url('gateway');
  const operator = new AdminApi(gateway, options.operatorKey);
  const org = await operator.createOrg(options.name);
  const admin = operator.withKey(org.adminApiKey);
  const connections = connectionRequests(stack.sandboxes.credentials);
  await admin.connect(connections.slack);
  await admin.connect(connections.teams);
  const sync = await admin.waitForSync((await admin.startSync('guest')).id, { timeoutMs: 300_000 });
  if (sync.status !== 'succeeded' || sync.failed > 0) throw new Error(`the guest sync did not succeed: ${JSON.stringify(sync).slice(0, 1_000)}`);

  const people = (await admin.allPeople()).sort((a, b) => a.email.localeCompare(b.email));
  const slackPeople = people.filter((p) => p.primaryPlatform === 'slack' && active(p, 'slack', 'native') && active(p, 'teams', 'guest'));
  const teamsPeople = people.filter((p) => p.primaryPlatform === 'teams' && active(p, 'teams', 'native') && active(p, 'slack', 'mirror'));
  const count = Math.min(options.pairs, slackPeople.length, teamsPeople.length);
  if (count < options.pairs) throw new Error(`only ${count} pairs in the organization, ${options.pairs} asked for`);
  const pairs: RelayPair[] = [];
  for (let i = 0; i < count; i++) {
    const s = slackPeople[i] as PersonView;
    const t = teamsPeople[i] as PersonView;
    const slackMirrorId = active(t, 'slack', 'mirror') as string;
    await giveSlackConsent(admin, gateway, t.id, slackMirrorId);
    pairs.push({
      slackPerson: { personId: s.id, displayName: s.displayName, slackUserId: active(s, 'slack', 'native') as string, teamsGuestId: active(s, 'teams', 'guest') as string },
      teamsPerson: { personId: t.id, displayName: t.displayName, teamsUserId: active(t, 'teams', 'native') as string, slackMirrorId },
    });
  }
  return { admin, orgId: org.id, pairs };
}

/** The person's browser: opens the consent link, approves on Slack's page as their Slack account, lands on the gateway. */
export async function giveSlackConsent(admin: AdminApi, gatewayUrl: string, personId: string, slackUserId: string): Promise<void> {
  const link = new URL((await admin.expect<{ url: string }>(200, 'GET', `/v1/people/${personId}/consent-link?platform=slack`)).url);
  const decided = await fetch(`${link.origin}${link.pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...Object.fromEntries(link.searchParams), account: slackUserId, decision: 'approve' }).toString(),
    redirect: 'manual',
  });
  const location = decided.headers.get('location');
  if (decided.status !== 302 || !location) throw new Error(`Slack's authorize page answered ${decided.status}`);
  const landing = await fetch(`${gatewayUrl}/auth/slack/callback${new URL(location).search}`);
  if (landing.status !== 200) throw new Error(`the consent callback answered ${landing.status}: ${(await landing.text()).slice(0, 300)}`);
}

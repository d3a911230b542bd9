import { InternalApiClient, InternalApiError, internalRoutes, NEEDS_ATTENTION_PROBLEM, type PersonView } from '@parley/internal-api';
import { connectionRequests } from '@parley/sandbox-runner';
import { demoOrganization } from '@parley/sandbox-seed';
import type { ClusterApp } from '@parley/testing';
import { AdminApi } from '@parley/admin-client';
import { PlatformProbe } from '../guest-sync/platform-probe';
import { startSandboxedStack, type SandboxedStack } from '../sandboxed-stack';
import { TEST_INTERNAL_TOKEN } from '../service-env';

const OPERATOR_KEY = `op_${'s'.repeat(40)}`;
/** A redirect URL the Slack sandbox's seeded app allows; the test plays the proxy that forwards it to the gateway. */
const PUBLIC_URL = 'http://127.0.0.1:3000';
const APPS: ClusterApp[] = ['identity', 'provisioning', 'slack-connector', 'teams-connector', 'gateway'];
const teamsOnly = demoOrganization().people.filter((p) => p.teams && !p.slack && !p.deactivated);

interface Installation {
  appId: string;
  userId: string;
  scopes: string[];
  revoked: boolean;
}

/**
 * Issue 9, item 5: a Teams-primary person gives Parley their Slack voice. The services run as separate processes over
 * real Kafka, PostgreSQL and Redis; the person uses the Slack sandbox's authorize page over HTTP as a browser would,
 * and the outcome is checked on the Slack sandbox's own records and with the token itself.
 */
describe('Slack consent end to end', () => {
  let stack: SandboxedStack;
  let admin: AdminApi;
  let probe: PlatformProbe | undefined;

  beforeAll(async () => {
    stack = await startSandboxedStack({
      label: 'sc',
      apps: APPS,
      operatorKey: OPERATOR_KEY,
      sandboxes: { limitsEnabled: false },
      // identity links its consent prompts to the gateway's public URL too.
      perApp: { gateway: { PARLEY_PUBLIC_URL: PUBLIC_URL }, identity: { PARLEY_PUBLIC_URL: PUBLIC_URL } },
    });
    const operator = new AdminApi(stack.cluster.url('gateway'), OPERATOR_KEY);
    const org = await operator.createOrg('Slack Consent');
    admin = operator.withKey(org.adminApiKey);
    const connections = connectionRequests(stack.sandboxes.credentials);
    await admin.connect(connections.slack);
    await admin.connect(connections.teams);
    // Teams-only people get their Slack mirrors (SCIM users) from a guest sync.
    const sync = await admin.waitForSync((await admin.startSync('guest')).id, { timeoutMs: 180_000 });
    expect(sync).toMatchObject({ status: 'succeeded', failed: 0 });
  }, 300_000);

  afterAll(async () => {
    await probe?.close();
    await stack?.stop();
  });

  const withLogs = <T>(work: () => Promise<T>): Promise<T> => stack.withLogs(work);
  const personOf = async (email: string): Promise<PersonView> => {
    const person = (await admin.allPeople({ query: email }))[0];
    if (!person) throw new Error(`no person ${email}`);
    return person;
  };
  const slackAccountOf = async (id: string) => (await admin.expect<PersonView>(200, 'GET', `/v1/people/${id}`)).accounts.find((a) => a.platform === 'slack');
  const installations = async (): Promise<Installation[]> => (await (await fetch(`${stack.sandboxes.slack.url}/_inspect/installations`)).json()) as Installation[];
  /** The person's browser: opens the link, sees Slack's page, clicks Allow or Cancel; answers where Slack redirects. */
  const decide = async (link: string, account: string, decision: 'approve' | 'cancel'): Promise<URL> => {
    const url = new URL(link);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('on your behalf');
    const form = await fetch(`${url.origin}${url.pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...Object.fromEntries(url.searchParams), account, decision }).toString(),
      redirect: 'manual',
    });
    expect(form.status).toBe(302);
    const back = new URL(form.headers.get('location') as string);
    expect(`${back.origin}${back.pathname}`).toBe(`${PUBLIC_URL}/auth/slack/callback`);
    return back;
  };
  const land = (back: URL) => fetch(`${stack.cluster.url('gateway')}/auth/slack/callback${back.search}`);

  it('a Teams-primary person approves on Slack, lands on the callback, is consented, and the stored token is theirs', () =>
    withLogs(async () => {
      const rep = teamsOnly[0];
      if (!rep) throw new Error('the demo directory changed');
      const person = await personOf(rep.email);
      expect(person.primaryPlatform).toBe('teams');
      const mirror = await slackAccountOf(person.id);
      expect(mirror).toMatchObject({ kind: 'mirror', mirrorKind: 'scim', status: 'active', consented: false });
      const mirrorId = mirror?.platformUserId as string;

      const identity = new InternalApiClient({ baseUrl: stack.cluster.url('identity'), token: () => TEST_INTERNAL_TOKEN });
      const slackConnection = (await admin.expect<{ items: { id: string; platform: string }[] }>(200, 'GET', '/v1/connections')).items.find((c) => c.platform === 'slack');
      const tokenOf = () =>
        identity.send(internalRoutes.identity.slackUserToken, { params: { orgId: person.orgId }, body: { connectionId: slackConnection?.id as string, personId: person.id } });
      const before = await tokenOf().catch((error: unknown) => error);
      expect(before).toBeInstanceOf(InternalApiError);
      expect(before).toMatchObject({ status: 409, problem: { type: NEEDS_ATTENTION_PROBLEM } });

      const link = await admin.expect<{ url: string; expiresAt: string }>(200, 'GET', `/v1/people/${person.id}/consent-link?platform=slack`);
      const back = await decide(link.url, mirrorId, 'approve');
      const landing = await land(back);
      expect(landing.status).toBe(200);
      expect(await landing.text()).toContain('in Slack');
      // Single use.
      expect((await land(back)).status).toBe(400);
      expect(await slackAccountOf(person.id)).toMatchObject({ kind: 'mirror', platformUserId: mirrorId, consented: true });
      expect((await admin.allPeople()).filter((p) => p.accounts.some((a) => a.platform === 'slack' && a.consented === true)).map((p) => p.id)).toEqual([person.id]);

      // On Slack itself: the person installed the app with the user scopes, and the token identity hands out is theirs.
      const installed = (await installations()).filter((i) => i.userId === mirrorId);
      expect(installed).toEqual([
        {
          appId: stack.sandboxes.credentials.slack.appId,
          userId: mirrorId,
          revoked: false,
          scopes: expect.arrayContaining(['chat:write', 'im:history', 'im:read', 'im:write', 'mpim:history', 'mpim:read', 'mpim:write', 'reactions:read', 'reactions:write', 'files:read', 'files:write', 'users:read']),
        },
      ]);
      const token = await tokenOf();
      expect(token.slackUserId).toBe(mirrorId);
      const me = (await (await fetch(`${stack.sandboxes.credentials.slack.apiUrl}auth.test`, { method: 'POST', headers: { authorization: `Bearer ${token.accessToken}` } })).json()) as Record<string, unknown>;
      expect(me).toMatchObject({ ok: true, user_id: mirrorId, team_id: stack.sandboxes.credentials.slack.teamId });
    }),
  );

  it('Cancel on Slack, or someone else approving, leaves nothing stored and says so on the page', () =>
    withLogs(async () => {
      const rep = teamsOnly[1];
      const other = teamsOnly[2];
      if (!rep || !other) throw new Error('the demo directory changed');
      const person = await personOf(rep.email);
      const mirrorId = (await slackAccountOf(person.id))?.platformUserId as string;
      const otherMirrorId = (await slackAccountOf((await personOf(other.email)).id))?.platformUserId as string;
      const installedBefore = await installations();

      const cancelled = await decide((await admin.expect<{ url: string }>(200, 'GET', `/v1/people/${person.id}/consent-link?platform=slack`)).url, mirrorId, 'cancel');
      expect(cancelled.searchParams.get('error')).toBe('access_denied');
      const cancelPage = await land(cancelled);
      expect(cancelPage.status).toBe(400);
      expect(await cancelPage.text()).toContain('Cancel');

      const impostor = await decide((await admin.expect<{ url: string }>(200, 'GET', `/v1/people/${person.id}/consent-link?platform=slack`)).url, otherMirrorId, 'approve');
      const wrongPage = await land(impostor);
      expect(wrongPage.status).toBe(400);
      expect(await wrongPage.text()).toContain('not your Slack account');
      expect((await land(impostor)).status).toBe(400);

      expect(await slackAccountOf(person.id)).toMatchObject({ consented: false });
      expect((await installations()).filter((i) => i.userId === mirrorId)).toEqual(installedBefore.filter((i) => i.userId === mirrorId));
    }),
  );

  /** A Teams person reading their own chats through Graph, as Teams shows them (PlatformProbe waits out 429s). */
  const teamsReader = async (upn: string) => {
    const graph = stack.sandboxes.credentials.graph;
    const token = stack.sandboxes.graph.control.token({ clientId: graph.clientId, tenantId: graph.customerTenantId, as: upn });
    const get = async <T>(path: string): Promise<T> => {
      const answer = await (probe ??= new PlatformProbe(stack.sandboxes)).graph<T>(path, token);
      expect(answer.status).toBe(200);
      return answer.body;
    };
    return { get };
  };
  interface ChatMessage {
    from?: { user?: { id?: string; displayName?: string } | null } | null;
    body: { content: string };
  }
  /** Every message in the person's 1:1 chats that carries a Slack consent prompt's link. */
  const promptsSeenBy = async (upn: string): Promise<ChatMessage[]> => {
    const reader = await teamsReader(upn);
    const chats = (await reader.get<{ value: { id: string; chatType: string }[] }>('/chats')).value.filter((c) => c.chatType === 'oneOnOne');
    const messages = await Promise.all(chats.map(async (c) => (await reader.get<{ value: ChatMessage[] }>(`/chats/${encodeURIComponent(c.id)}/messages?$top=50`)).value));
    return messages.flat().filter((m) => m.body.content.includes('/auth/slack/start?prompt='));
  };
  const eventually = async <T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 90_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value).slice(0, 500)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };

  it('prompts each Teams-primary person once on Teams, from the service account, and the prompt leads to Slack consent', () =>
    withLogs(async () => {
      const rep = teamsOnly[3];
      if (!rep) throw new Error('the demo directory changed');
      const person = await personOf(rep.email);
      const mirrorId = (await slackAccountOf(person.id))?.platformUserId as string;
      const graph = stack.sandboxes.credentials.graph;
      const [prompt] = await eventually(() => promptsSeenBy(rep.email), (found) => found.length > 0, 'the consent prompt on Teams');
      // From the connection's service account (the team owner Parley signs in as), in a 1:1 chat with the person.
      const owner = await (await teamsReader(graph.teamOwner.username)).get<{ id: string }>('/me');
      expect(prompt?.from?.user?.id).toBe(owner.id);

      // Once: another sync makes no second prompt.
      expect(await admin.waitForSync((await admin.startSync('guest')).id, { timeoutMs: 180_000 })).toMatchObject({ status: 'succeeded' });
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(await promptsSeenBy(rep.email)).toHaveLength(1);

      // The prompt's link: the gateway trades it for a fresh consent link and sends the browser to Slack.
      const href = /href="([^"]+)"/.exec(prompt?.body.content ?? '')?.[1]?.replace(/&amp;/g, '&') as string;
      expect(href.startsWith(`${PUBLIC_URL}/auth/slack/start?prompt=`)).toBe(true);
      const start = await fetch(`${stack.cluster.url('gateway')}${new URL(href).pathname}${new URL(href).search}`, { redirect: 'manual' });
      expect(start.status).toBe(302);
      const landing = await land(await decide(start.headers.get('location') as string, mirrorId, 'approve'));
      expect(landing.status).toBe(200);
      expect(await slackAccountOf(person.id)).toMatchObject({ consented: true });
      // The prompt keeps working until it expires (a person may click it twice); a forged one does not.
      expect((await fetch(`${stack.cluster.url('gateway')}/auth/slack/start?prompt=${'x'.repeat(43)}`, { redirect: 'manual' })).status).toBe(400);
    }),
  );
});

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AdminApi } from '@parley/admin-client';
import type { PersonView } from '@parley/internal-api';
import { connectionRequests, type DemoCredentials } from '@parley/sandbox-runner';
import { demoOrganization } from '@parley/sandbox-seed';
import { type ClusterApp, uniqueSuffix } from '@parley/testing';
import { startSandboxedStack, type SandboxedStack } from '../sandboxed-stack';
import { PlatformProbe } from '../guest-sync/platform-probe';
import { secretLeaks } from './secret-scan';
import { apiCases, unknownIdFor, type ApiCase, type Category } from './api-cases';
import { signSlackRequest } from '@parley/sandbox-slack';

const OPERATOR_KEY = `op_${'s'.repeat(40)}`;
const CONSENT_URL = 'http://127.0.0.1:3000';
const APPS: ClusterApp[] = ['identity', 'provisioning', 'slack-connector', 'teams-connector', 'relay', 'gateway'];
const document = JSON.parse(readFileSync(path.resolve(__dirname, '../../../docs/api/openapi.json'), 'utf8')) as OpenApiDocument;
const cases = apiCases(document);

interface OpenApiDocument {
  readonly paths: Record<string, Record<string, { responses: Record<string, { description: string }>; requestBody?: unknown; security?: unknown[] }>>;
}

/** What each case saw, for the summary table and the secret scan. */
interface Outcome {
  readonly category: Category;
  readonly passed: boolean;
}

/**
 * Issue 11's security suite, the part that does not need the chaos run: every documented `/v1` route attacked with
 * no key, a wrong key, the wrong kind of key and another organization's ids; every documented request body sent with
 * an unknown field, malformed, and too large. The cases come from docs/api/openapi.json (`api-cases.ts`), so a new
 * route is covered without anyone remembering to. Then, with an organization synced and a DM relayed, nothing the
 * sandboxes issued (tokens, secrets, passwords, codes) may appear in any service's log, any API answer, or any text
 * column of the database in clear.
 */
describe('security suite', () => {
  let stack: SandboxedStack;
  let operator: AdminApi;
  let orgA: { id: string; key: string; admin: AdminApi };
  let orgB: { id: string; key: string; admin: AdminApi };
  const fixtures = new Map<string, string>();
  const answers: string[] = [];
  const outcomes: Outcome[] = [];
  let frances: PersonView;
  let orgBCredentials: DemoCredentials;
  let relayedDm: { channel: string; conversationId: string; adaSlack: string; teamsChat: string; francesTeams: string };

  beforeAll(async () => {
    stack = await startSandboxedStack({
      label: 'sec',
      apps: APPS,
      operatorKey: OPERATOR_KEY,
      sandboxes: { limitsEnabled: false },
      partitions: 3,
      firstAlone: true,
      // Graph notifies teams-connector through the gateway, as deployed: the Teams webhook cases use real deliveries.
      platformIngress: true,
      // The redirect URI the sandbox's Slack app registers; the test plays the proxy that forwards it to the gateway.
      perApp: { gateway: { PARLEY_PUBLIC_URL: CONSENT_URL }, identity: { PARLEY_PUBLIC_URL: CONSENT_URL } },
    });
    await stack.withLogs(async () => {
      operator = new AdminApi(stack.cluster.url('gateway'), OPERATOR_KEY);
      const a = await operator.createOrg('Security A');
      const b = await operator.createOrg('Security B');
      const credentials = stack.sandboxes.credentials;
      orgA = { id: a.id, key: a.adminApiKey, admin: operator.withKey(a.adminApiKey) };
      orgB = { id: b.id, key: b.adminApiKey, admin: operator.withKey(b.adminApiKey) };
      const requestsA = connectionRequests(credentials);
      const slack = await orgA.admin.connect(requestsA.slack);
      await orgA.admin.connect(requestsA.teams);
      // B is a real organization with its own workspace and tenant, so a 404 is about whose id it is, not emptiness.
      const other = stack.sandboxes.seedOrganization({ ...demoOrganization(`secb-${uniqueSuffix().slice(-6).toLowerCase()}.example`), name: 'Security B Co' });
      await orgB.admin.connect(connectionRequests(other).slack);
      // And its own tenant (its own app): Graph's validation tokens for B's subscription are for another app than A's.
      await orgB.admin.connect(connectionRequests(other).teams);
      orgBCredentials = other;
      const sync = await orgA.admin.waitForSync((await orgA.admin.startSync('guest')).id, { timeoutMs: 180_000 });
      expect(sync).toMatchObject({ status: 'succeeded', failed: 0 });
      const people = await orgA.admin.allPeople();
      const account = (p: PersonView, platform: string, kind: string) => p.accounts.find((x) => x.platform === platform && x.kind === kind && x.status === 'active');
      const ada = people.find((p) => p.primaryPlatform === 'slack' && account(p, 'teams', 'guest'));
      const found = people.find((p) => p.primaryPlatform === 'teams' && account(p, 'slack', 'mirror'));
      if (!ada || !found) throw new Error('the sync made no guest or no mirror');
      frances = found;

      // One DM relayed, so that the conversation routes have an id of A's and tokens were used on both sides. Frances
      // gives her Slack consent first (Slack tells the app of her DMs through her installation), as her browser would.
      const gateway = stack.cluster.url('gateway');
      const francesMirror = account(frances, 'slack', 'mirror')?.platformUserId as string;
      const link = await orgA.admin.expect<{ url: string }>(200, 'GET', `/v1/people/${frances.id}/consent-link?platform=slack`);
      const back = new URL(stack.sandboxes.slack.control.approve({ url: link.url, as: francesMirror }).location);
      const landing = await fetch(`${gateway}${back.pathname}${back.search}`);
      answers.push(await landing.text());
      expect(landing.status).toBe(200);
      expect(await stack.sandboxes.slack.control.setEventsUrl({ url: `${gateway}/slack/events` })).toBe(true);
      const adaSlack = account(ada, 'slack', 'native')?.platformUserId as string;
      const dm = stack.sandboxes.slack.control.open({ as: adaSlack, with: [francesMirror] });
      stack.sandboxes.slack.control.post({ as: adaSlack, channel: dm.id, text: 'security suite: hello' });
      const conversation = await eventually(async () => {
        const page = await orgA.admin.expect<{ items: { id: string; slack: { conversationId: string | null }; teams: { conversationId: string | null } }[] }>(200, 'GET', '/v1/conversations');
        return page.items.find((c) => c.slack.conversationId === dm.id && c.teams.conversationId);
      }, 'the relayed DM in /v1/conversations');

      const francesTeams = account(frances, 'teams', 'native')?.platformUserId as string;
      relayedDm = { channel: dm.id, conversationId: conversation.id, adaSlack, teamsChat: conversation.teams.conversationId as string, francesTeams };
      // One channel link of A's for the link routes' ids, and a channel of A's workspace for the create cases' bodies.
      const linked = stack.sandboxes.slack.control.createChannel({ name: 'security-linked', members: [adaSlack] })['id'] as string;
      const channelLink = await orgA.admin.expect<{ id: string }>(201, 'POST', '/v1/channel-links', { slack: { channelId: linked }, teams: { create: true } });
      fixtures.set('/v1/channel-links/{id}', channelLink.id);
      fixtures.set('slack channel', stack.sandboxes.slack.control.createChannel({ name: 'security-unlinked', members: [adaSlack] })['id'] as string);
      fixtures.set('/v1/orgs/{id}', orgA.id);
      fixtures.set('/v1/connections/{id}', slack.id);
      fixtures.set('/v1/user-syncs/{id}', sync.id);
      fixtures.set('/v1/people/{id}', frances.id);
      fixtures.set('/v1/people/{id}/consent-link', frances.id);
      fixtures.set('/v1/conversations/{id}/messages', conversation.id);
      // The operator's dead letters belong to no organization: the key is checked before any id is looked up.
      fixtures.set('/v1/dead-letters/{id}', unknownIdFor('/v1/dead-letters/{id}'));
      fixtures.set('/v1/dead-letters/{id}/retry', unknownIdFor('/v1/dead-letters/{id}/retry'));
    });
  }, 400_000);

  afterAll(async () => {
    if (outcomes.length) {
      const rows = new Map<Category, { cases: number; passed: number }>();
      for (const o of outcomes) {
        const row = rows.get(o.category) ?? { cases: 0, passed: 0 };
        row.cases++;
        if (o.passed) row.passed++;
        rows.set(o.category, row);
      }
      const lines = [...rows].map(([category, r]) => `${category.padEnd(32)} ${String(r.cases).padStart(5)} ${String(r.passed).padStart(7)} ${String(r.cases - r.passed).padStart(7)}`);
      process.stdout.write(`\nsecurity suite\n${'category'.padEnd(32)} ${'cases'.padStart(5)} ${'passed'.padStart(7)} ${'failed'.padStart(7)}\n${lines.join('\n')}\n`);
    }
    await stack?.stop();
  });

  const keyFor = (who: ApiCase['as']): string | undefined => {
    switch (who) {
      case 'none':
        return undefined;
      case 'operator':
        return OPERATOR_KEY;
      case 'orgA':
        return orgA.key;
      case 'orgB':
        return orgB.key;
      default:
        return who.raw;
    }
  };

  it('covers every documented /v1 operation (the generator found them all)', () => {
    const operations = Object.entries(document.paths).flatMap(([p, ops]) => (p.startsWith('/v1/') ? Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`) : []));
    const covered = new Set(cases.map((c) => `${c.method} ${c.template}`));
    expect(operations.filter((o) => !covered.has(o))).toEqual([]);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, apiCase) =>
    stack.withLogs(async () => {
      let passed = false;
      try {
        const id = apiCase.template.includes('{id}') ? (apiCase.id === 'unknown' ? unknownIdFor(apiCase.template) : fixtures.get(apiCase.template)) : undefined;
        if (apiCase.template.includes('{id}') && !id) throw new Error(`no fixture id for ${apiCase.template}: add one in beforeAll`);
        const url = `${stack.cluster.url('gateway')}${apiCase.template.replace('{id}', encodeURIComponent(id ?? ''))}`;
        const key = keyFor(apiCase.as);
        const headers: Record<string, string> = { 'x-request-id': `sec-${outcomes.length}` };
        if (key !== undefined) headers['authorization'] = apiCase.scheme === 'basic' ? `Basic ${Buffer.from(`x:${key}`).toString('base64')}` : `Bearer ${key}`;
        const body = apiCase.body === undefined ? undefined : apiCase.body(fixtures, stack.sandboxes.credentials);
        if (body !== undefined) headers['content-type'] = 'application/json';
        const response = await fetch(url, { method: apiCase.method, headers, body });
        const text = await response.text();
        answers.push(text);
        expect({ case: apiCase.name, status: response.status }).toEqual({ case: apiCase.name, status: apiCase.expect });
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        const problem = JSON.parse(text) as Record<string, unknown>;
        expect(problem).toMatchObject({ status: apiCase.expect, requestId: headers['x-request-id'] });
        if (apiCase.namesField) expect(JSON.stringify(problem['errors'] ?? problem)).toContain(apiCase.namesField);
        passed = true;
      } finally {
        outcomes.push({ category: apiCase.category, passed });
      }
    }),
  );

  describe("the platforms' callbacks refuse what no organization's secret vouches for", () => {
    const relayedTexts = async (): Promise<number> => {
      const page = await orgA.admin.expect<{ items: unknown[] }>(200, 'GET', `/v1/conversations/${relayedDm.conversationId}/messages?limit=200`);
      return page.items.length;
    };
    const slackEvent = (teamId: string, text: string) =>
      JSON.stringify({
        token: 'unused',
        team_id: teamId,
        api_app_id: 'A0SECURITY',
        type: 'event_callback',
        event_id: `Ev${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`,
        event_time: Math.floor(Date.now() / 1000),
        event: { type: 'message', channel: relayedDm.channel, user: relayedDm.adaSlack, text, ts: `${Math.floor(Date.now() / 1000)}.000100`, channel_type: 'im' },
      });
    const sendSlackAs = async (body: string, timestamp: string, signature: string) => {
      const response = await fetch(`${stack.cluster.url('gateway')}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
        body,
      });
      answers.push(await response.text());
      return response.status;
    };
    /** Signed now with the given secret. */
    const sendSlack = (body: string, signingSecret: string) => {
      const timestamp = String(Math.floor(Date.now() / 1000));
      return sendSlackAs(body, timestamp, signSlackRequest(signingSecret, timestamp, body));
    };
    /** A case whose work may relay `relayed` messages (a genuine one first), and nothing more. */
    const webhookCase = (name: string, work: () => Promise<void>, relayed = 0, category: Category = 'webhooks') =>
      it(name, () =>
        stack.withLogs(async () => {
          let passed = false;
          try {
            const before = await relayedTexts();
            await work();
            // Whatever slipped through would be relayed within seconds; give it the time, then count again.
            await new Promise((resolve) => setTimeout(resolve, 2_000));
            expect(await relayedTexts()).toBe(before + relayed);
            passed = true;
          } finally {
            outcomes.push({ category, passed });
          }
        }),
      );
    const aSigningSecret = () => stack.sandboxes.credentials.slack.signingSecret;
    const untilRelayed = (count: number) => eventually(async () => ((await relayedTexts()) >= count ? true : undefined), `${count} messages in the relayed DM`);
    /** Posts as Frances in the DM's Teams chat and answers Graph's genuine notification of it, once it was relayed. */
    const genuineTeamsDelivery = async (text: string): Promise<{ value: Record<string, unknown>[]; validationTokens?: string[] }> => {
      const before = await relayedTexts();
      const message = stack.sandboxes.graph.control.post({ as: relayedDm.francesTeams, chatId: relayedDm.teamsChat, content: text }) as { id: string };
      const delivery = await eventually(
        async () => stack.sandboxes.graph.inspect.deliveries().find((d) => d.kind === 'change' && d.outcome === 'delivered' && JSON.stringify(d.body).includes(`messages('${message.id}')`)),
        'the genuine notification',
      );
      await untilRelayed(before + 1);
      return delivery.body as { value: Record<string, unknown>[]; validationTokens?: string[] };
    };
    const postGraph = async (body: unknown) => {
      const response = await fetch(`${stack.cluster.url('gateway')}/teams/notifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      answers.push(await response.text());
      return response.status;
    };

    webhookCase(
      "a genuine Slack event for A, sent again signed with A's own secret → relayed once",
      async () => {
        const before = await relayedTexts();
        stack.sandboxes.slack.control.post({ as: relayedDm.adaSlack, channel: relayedDm.channel, text: 'security suite: said once, delivered twice' });
        await untilRelayed(before + 1);
        const delivered = stack.sandboxes.slack.inspect.events().find((d) => JSON.stringify(d.envelope).includes('said once, delivered twice'));
        expect(delivered).toBeDefined();
        // What a replay within Slack's 5 minutes is: the same event, validly signed.
        for (let i = 0; i < 2; i++) {
          const body = JSON.stringify(delivered?.envelope);
          const timestamp = String(Math.floor(Date.now() / 1000));
          expect(await sendSlackAs(body, timestamp, signSlackRequest(aSigningSecret(), timestamp, body))).toBe(200);
        }
      },
      1,
    );
    webhookCase("a Slack event signed with A's own secret 6 minutes ago → 401, nothing relayed", async () => {
      const body = slackEvent(stack.sandboxes.credentials.slack.teamId, 'security suite: too old');
      const timestamp = String(Math.floor(Date.now() / 1000) - 360);
      expect(await sendSlackAs(body, timestamp, signSlackRequest(aSigningSecret(), timestamp, body))).toBe(401);
    });
    webhookCase("a Slack event changed after A's secret signed it → 401, nothing relayed", async () => {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signed = slackEvent(stack.sandboxes.credentials.slack.teamId, 'security suite: what was signed');
      expect(await sendSlackAs(signed.replace('what was signed', 'what was sent!!'), timestamp, signSlackRequest(aSigningSecret(), timestamp, signed))).toBe(401);
    });
    webhookCase(
      "a genuine Graph notification for A's chat with another clientState → 400, nothing more relayed",
      async () => {
        const genuine = await genuineTeamsDelivery('security suite: notified by Graph');
        const forged = { ...genuine, value: genuine.value.map((item) => ({ ...item, clientState: 'guessed-client-state' })) };
        expect(await postGraph(forged)).toBe(400);
      },
      1,
    );
    webhookCase(
      "a genuine Graph notification for A's chat carrying the validation tokens Graph issued for B's app → 401, nothing more relayed",
      async () => {
        const genuine = await genuineTeamsDelivery('security suite: notified by Graph again');
        // Graph's own tokens, for B's app: a notification to B's subscription, from a chat in B's tenant.
        const probe = new PlatformProbe(stack.sandboxes, orgBCredentials);
        try {
          const users = await probe.graph<{ value: { id: string; userType?: string }[] }>('/users?$top=10', await probe.appToken());
          const [first, second] = users.body.value.filter((u) => u.userType !== 'Guest');
          const chat = stack.sandboxes.graph.control.createChat({ members: [first?.id as string, second?.id as string] });
          const message = stack.sandboxes.graph.control.post({ as: first?.id as string, chatId: chat.id, content: 'in B' }) as { id: string };
          const ofB = await eventually(
            async () => stack.sandboxes.graph.inspect.deliveries().find((d) => d.kind === 'change' && d.outcome === 'delivered' && JSON.stringify(d.body).includes(`messages('${message.id}')`)),
            "Graph's notification to B",
          );
          const tokensOfB = (ofB.body as { validationTokens?: string[] }).validationTokens ?? [];
          expect(tokensOfB.length).toBeGreaterThan(0);
          expect(await postGraph({ ...genuine, validationTokens: tokensOfB })).toBe(401);
        } finally {
          await probe.close();
        }
      },
      1,
    );

    // Injection: what people type arrives as text on the other side, never as markup, a mention or a broadcast.
    webhookCase(
      'Slack text carrying <at>, HTML and <!channel> as typed arrives on Teams as that text: no mention, no element',
      async () => {
        // Slack escapes what people type: `<at id="0">Frances</at> <script>…</script> <!channel>` is stored so.
        const typed = '&lt;at id="0"&gt;Frances&lt;/at&gt; &lt;script&gt;alert(1)&lt;/script&gt; &lt;!channel&gt; &lt;b&gt;bold?&lt;/b&gt;';
        stack.sandboxes.slack.control.post({ as: relayedDm.adaSlack, channel: relayedDm.channel, text: `injection from Slack ${typed}` });
        const arrived = await eventually(
          async () => stack.sandboxes.graph.inspect.messages({ chatId: relayedDm.teamsChat }).find((m) => JSON.stringify(m).includes('injection from Slack')),
          'the Slack text on Teams',
        );
        const body = (arrived['body'] as { content: string }).content;
        expect(body).not.toMatch(/<at\b|<script\b|<b>/i);
        expect(body).toContain('&lt;at id=');
        expect(body).toContain('&lt;script&gt;');
        expect(arrived['mentions'] ?? []).toEqual([]);
      },
      1,
      'injection',
    );
    webhookCase(
      'Teams text carrying <!channel>, <@U…> and a Slack link as typed arrives on Slack as that text: no broadcast, mention or link',
      async () => {
        // Teams keeps what people type as HTML-escaped text in the message body.
        const typed = `&lt;!channel&gt; &lt;@${relayedDm.adaSlack}&gt; &lt;https://evil.example|click here&gt;`;
        stack.sandboxes.graph.control.post({ as: relayedDm.francesTeams, chatId: relayedDm.teamsChat, content: `<p>injection from Teams ${typed}</p>`, contentType: 'html' });
        const arrived = await eventually(
          async () => stack.sandboxes.slack.inspect.messages(relayedDm.channel).find((m) => String(m['text'] ?? '').includes('injection from Teams')),
          'the Teams text on Slack',
        );
        const text = String(arrived['text']);
        expect(text).not.toMatch(/<!channel>|<@U|<https?:/);
        expect(text).toContain('&lt;!channel&gt;');
      },
      1,
      'injection',
    );

    webhookCase("a Slack event for A's workspace signed with organization B's signing secret → 401, nothing relayed", async () => {
      expect(await sendSlack(slackEvent(stack.sandboxes.credentials.slack.teamId, 'forged by B'), orgBCredentials.slack.signingSecret)).toBe(401);
    });
    webhookCase('a Slack event for a workspace no organization connected → 401, nothing relayed', async () => {
      expect(await sendSlack(slackEvent('T0NOBODYHERE', 'from nowhere'), 'a-secret-nobody-registered-000000')).toBe(401);
    });
    webhookCase('a Graph notification for a subscription and tenant nobody owns → refused, nothing relayed', async () => {
      const chatId = '19:nobody_nobody@unq.gbl.spaces';
      const response = await fetch(`${stack.cluster.url('gateway')}/teams/notifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          value: [
            {
              subscriptionId: randomUUID(),
              clientState: 'guessed-client-state',
              changeType: 'created',
              resource: `chats('${chatId}')/messages('1700000000000')`,
              tenantId: randomUUID(),
              subscriptionExpirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
            },
          ],
        }),
      });
      answers.push(await response.text());
      expect([400, 401]).toContain(response.status);
    });
  });

  it('left organization A as it was: refused requests changed nothing', () =>
    stack.withLogs(async () => {
      const connections = await orgA.admin.expect<{ items: unknown[] }>(200, 'GET', '/v1/connections');
      expect(connections.items).toHaveLength(2);
      const syncs = await orgA.admin.expect<{ items: unknown[] }>(200, 'GET', '/v1/user-syncs');
      expect(syncs.items).toHaveLength(1);
      const person = await orgA.admin.expect<PersonView>(200, 'GET', `/v1/people/${frances.id}`);
      expect(person.primaryPlatform).toBe(frances.primaryPlatform);
      const orgBConnections = await orgB.admin.expect<{ items: unknown[] }>(200, 'GET', '/v1/connections');
      expect(orgBConnections.items).toHaveLength(2);
    }));

  it('shows no secret or token the sandboxes issued in any log line, API answer or database text column', () =>
    stack.withLogs(async () => {
      const listed: { where: string; text: string }[] = answers.map((text) => ({ where: 'an API answer', text }));
      for (const listing of ['/v1/connections', '/v1/people?limit=200', '/v1/user-syncs', '/v1/conversations']) {
        listed.push({ where: `GET ${listing}`, text: JSON.stringify(await orgA.admin.expect(200, 'GET', listing)) });
      }
      const scan = await secretLeaks(stack, listed);
      // The scan must have something to look for (the apps' secrets, the people's passwords, the tokens used) and
      // somewhere to look.
      expect(scan.secrets).toBeGreaterThan(20);
      expect(scan.columns).toBeGreaterThan(20);
      expect(scan.leaks).toEqual([]);
      outcomes.push({ category: 'secrets: logs, answers, at rest', passed: scan.leaks.length === 0 });
    }));
});

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

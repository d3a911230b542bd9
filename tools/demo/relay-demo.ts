import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Agent, fetch as tlsFetch } from 'undici';
import type { PersonView } from '@parley/internal-api';
import type { DemoCredentials } from '@parley/sandbox-runner';
import { AdminApi, rememberedOrgFile, type RememberedOrg } from '@parley/admin-client';

/**
 * `npm run demo:relay`: after `npm run demo`, a DM relayed both ways through a running `npm start`. Ada writes on
 * Slack; Frances reads it on Teams, from Ada's guest, and answers there; Ada reads the answer in the same Slack DM,
 * from Frances's Slack account. They react to each other's message, then Ada edits and deletes, and the admin reads each message's delivery state.
 *
 * The demo plays the people on the sandboxes (their control APIs, as a person's client would) and reads what each of
 * them sees through the platforms' own APIs, as that person; Parley is only reached through its admin API. Each of
 * them also reacts to the other's message, and sees the other's reaction arrive as made by the other.
 */
const gatewayUrl = (process.env['PARLEY_URL'] ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
const dataDir = process.env['PARLEY_DATA_DIR'] ?? path.join(process.cwd(), '.parley', 'embedded');
const sandboxDir = process.env['SANDBOX_DIR'] ?? path.join(process.cwd(), '.sandbox');
const WAIT_MS = Number(process.env['DEMO_WAIT_MS'] ?? 60_000);

const say = (text: string) => process.stdout.write(`${text}\n`);
const step = (n: number, text: string) => say(`\n${n}. ${text}`);

function readOrExplain(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${what} not found at ${file}: run \`npm start\` and then \`npm run demo\` first, from this folder`);
  }
}

async function eventually<T>(what: string, read: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${WAIT_MS} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

interface GraphMessage {
  id: string;
  reactions?: { reactionType: string; user?: { user?: { id?: string } | null } | null }[];
  from?: { user?: { id?: string; displayName?: string } | null } | null;
  body: { content: string };
  lastEditedDateTime?: string | null;
  deletedDateTime?: string | null;
}
interface SlackMessage {
  ts: string;
  user?: string;
  text?: string;
  reactions?: { name: string; users: string[] }[];
}

async function main(): Promise<void> {
  const credentials = JSON.parse(readOrExplain(path.join(sandboxDir, 'demo-credentials.json'), 'the sandbox credentials')) as DemoCredentials;
  // The organization `npm run demo` made, connected and synced (its admin key is shown once, so the demo kept it).
  const remembered = JSON.parse(readOrExplain(rememberedOrgFile(dataDir), 'the demo organization (run `npm run demo` first)')) as RememberedOrg;
  const admin = new AdminApi(gatewayUrl, remembered.adminApiKey);
  const graphTls = new Agent({ connect: { ca: readOrExplain(path.join(sandboxDir, 'ca.pem'), 'the sandbox CA') } });

  const control = async <T>(platform: 'slack' | 'graph', action: string, body: unknown): Promise<T> => {
    const url = `${credentials[platform].controlUrl}/${action}`;
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    const response = platform === 'graph' ? await tlsFetch(url, { ...init, dispatcher: graphTls }) : await fetch(url, init);
    const text = await response.text();
    if (!response.ok) throw new Error(`${platform} sandbox ${action}: ${response.status} ${text}`);
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    // The Graph sandbox answers `{ ok, result }`; the Slack sandbox answers the result itself.
    return (platform === 'graph' ? json?.['result'] : json) as T;
  };
  const graphAs = async (userId: string) => {
    const bearer = await control<string>('graph', 'token', { clientId: credentials.graph.clientId, tenantId: credentials.graph.customerTenantId, as: userId });
    return async <T>(pathname: string): Promise<T> => {
      let response = await tlsFetch(`${credentials.graph.graphUrl}${pathname}`, { headers: { authorization: `Bearer ${bearer}` }, dispatcher: graphTls });
      // Teams paces readers too (the sandbox's limits are on): wait as asked, like a Teams client.
      for (let tries = 0; response.status === 429 && tries < 10; tries++) {
        await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after') ?? 1) * 1000));
        response = await tlsFetch(`${credentials.graph.graphUrl}${pathname}`, { headers: { authorization: `Bearer ${bearer}` }, dispatcher: graphTls });
      }
      if (!response.ok) throw new Error(`Graph ${pathname}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
  };
  const slackAs = async (userId: string) => {
    const { token } = await control<{ token: string }>('slack', 'tokens', { kind: 'user', as: userId, scopes: ['im:history', 'im:read', 'users:read'] });
    return async <T>(method: string, params: Record<string, string>): Promise<T> => {
      const response = await fetch(`${credentials.slack.apiUrl}${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params).toString(),
      });
      const json = (await response.json()) as T & { ok: boolean; error?: string };
      if (!json.ok) throw new Error(`Slack ${method}: ${json.error}`);
      return json;
    };
  };

  say(`Parley relay demo against ${gatewayUrl} (organization ${remembered.id})`);
  step(1, 'Who talks: a Slack-primary person with a Teams guest, and a Teams-primary person with a Slack mirror');
  const people = await admin.allPeople();
  const account = (p: PersonView, platform: 'slack' | 'teams', kind: string) => p.accounts.find((a) => a.platform === platform && a.kind === kind && a.status === 'active' && a.platformUserId);
  const ada = people.find((p) => p.primaryPlatform === 'slack' && account(p, 'teams', 'guest') && account(p, 'slack', 'native'));
  const frances = people.find((p) => p.primaryPlatform === 'teams' && account(p, 'slack', 'mirror') && account(p, 'teams', 'native'));
  if (!ada || !frances) throw new Error('no synced pair yet: run `npm run demo` first');
  const adaSlack = account(ada, 'slack', 'native')?.platformUserId as string;
  const francesTeams = account(frances, 'teams', 'native')?.platformUserId as string;
  const francesMirror = account(frances, 'slack', 'mirror');
  say(`   ${ada.displayName} (Slack ${adaSlack}) and ${frances.displayName} (Teams ${francesTeams}, Slack mirror ${francesMirror?.platformUserId})`);

  step(2, `${frances.displayName} gives Parley her Slack voice once (Slack consent, as her browser would)`);
  if (francesMirror?.consented) {
    say('   already given in an earlier run');
  } else {
    const link = await admin.expect<{ url: string }>(200, 'GET', `/v1/people/${frances.id}/consent-link?platform=slack`);
    const url = new URL(link.url);
    const decided = await fetch(`${url.origin}${url.pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...Object.fromEntries(url.searchParams), account: francesMirror?.platformUserId as string, decision: 'approve' }).toString(),
      redirect: 'manual',
    });
    const back = new URL(decided.headers.get('location') ?? '');
    const landing = await fetch(`${gatewayUrl}${back.pathname}${back.search}`);
    say(`   Slack's authorize page approved; the gateway answered ${landing.status}`);
  }

  step(3, `${ada.displayName} opens a DM with ${frances.displayName} in Slack and writes`);
  const dm = await control<{ id: string }>('slack', 'open', { as: adaSlack, with: [francesMirror?.platformUserId] });
  const text = `Hi ${frances.displayName.split(' ')[0]}, *the build is green* :tada: (sent ${new Date().toISOString()})`;
  const posted = await control<{ ts: string }>('slack', 'post', { as: adaSlack, channel: dm.id, text });
  say(`   posted ${posted.ts} in ${dm.id}: ${text}`);

  step(4, `${frances.displayName} sees it in Teams, in a 1:1 chat with ${ada.displayName}'s guest`);
  const asFrances = await graphAs(francesTeams);
  const marker = text.slice(text.indexOf('(sent'));
  const seen = await eventually(`the message in ${frances.displayName}'s Teams`, async () => {
    const chats = (await asFrances<{ value: { id: string; chatType: string }[] }>('/chats')).value.filter((c) => c.chatType === 'oneOnOne');
    for (const chat of chats) {
      const messages = (await asFrances<{ value: GraphMessage[] }>(`/chats/${encodeURIComponent(chat.id)}/messages?$top=50`)).value;
      const hit = messages.find((m) => m.body.content.includes(marker));
      if (hit) return { chatId: chat.id, message: hit };
    }
    return undefined;
  });
  say(`   in chat ${seen.chatId}, from ${seen.message.from?.user?.displayName ?? '?'}: ${seen.message.body.content}`);

  step(5, `${frances.displayName} answers in Teams; ${ada.displayName} reads it in the same Slack DM`);
  // Each run's answer carries its own marker: the DM keeps the answers of earlier runs, which must not be taken for it.
  const replyMarker = `answer ${Date.now()}`;
  const reply = `Thanks ${ada.displayName.split(' ')[0]}! <b>Shipping it</b> (${replyMarker})`;
  await control('graph', 'post', { as: francesTeams, chatId: seen.chatId, content: reply, contentType: 'html' });
  const asAda = await slackAs(adaSlack);
  const answer = await eventually(`the answer in ${ada.displayName}'s Slack DM`, async () => {
    const history = await asAda<{ messages: SlackMessage[] }>('conversations.history', { channel: dm.id, limit: '50' });
    return history.messages.find((m) => m.text?.includes(replyMarker));
  });
  say(`   in ${dm.id}, from ${answer.user} (${frances.displayName}'s Slack account is ${francesMirror?.platformUserId}): ${answer.text}`);

  step(6, 'Reactions both ways, as the people themselves');
  await control('graph', 'react', { as: francesTeams, chatId: seen.chatId, messageId: seen.message.id, reactionType: '👍' });
  const thumbs = await eventually(`${frances.displayName}'s 👍 on ${ada.displayName}'s Slack message`, async () => {
    const history = await asAda<{ messages: SlackMessage[] }>('conversations.history', { channel: dm.id, limit: '50' });
    return history.messages.find((m) => m.ts === posted.ts)?.reactions?.find((r) => r.users.includes(francesMirror?.platformUserId as string));
  });
  say(`   Slack shows :${thumbs.name}: from ${francesMirror?.platformUserId} on ${posted.ts}`);
  await control('slack', 'react', { as: adaSlack, channel: dm.id, ts: answer.ts, name: 'tada' });
  const adaGuest = account(ada, 'teams', 'guest')?.platformUserId as string;
  const tada = await eventually(`${ada.displayName}'s :tada: on ${frances.displayName}'s Teams message`, async () => {
    const messages = (await asFrances<{ value: GraphMessage[] }>(`/chats/${encodeURIComponent(seen.chatId)}/messages?$top=50`)).value;
    return messages.find((m) => m.body.content.includes(replyMarker))?.reactions?.find((r) => r.user?.user?.id === adaGuest);
  });
  say(`   Teams shows ${tada.reactionType} from ${ada.displayName}'s guest on the answer`);

  step(7, `${ada.displayName} edits her message, then deletes it; Teams follows`);
  await control('slack', 'edit', { as: adaSlack, channel: dm.id, ts: posted.ts, text: `${text} (edited)` });
  const edited = await eventually('the edit in Teams', async () => {
    const message = await asFrances<GraphMessage>(`/chats/${encodeURIComponent(seen.chatId)}/messages/${seen.message.id}`);
    return message.body.content.includes('(edited)') ? message : undefined;
  });
  say(`   Teams shows: ${edited.body.content}`);
  await control('slack', 'delete', { as: adaSlack, channel: dm.id, ts: posted.ts });
  await eventually('the delete in Teams', async () => {
    const message = await asFrances<GraphMessage>(`/chats/${encodeURIComponent(seen.chatId)}/messages/${seen.message.id}`).catch(() => undefined);
    return message?.deletedDateTime ? message : undefined;
  });
  say('   Teams shows it deleted');

  step(8, 'What the admin reads: the relayed conversation and each message with its delivery state');
  const conversations = await admin.expect<{ items: { id: string; kind: string; slack: { conversationId: string | null }; teams: { conversationId: string | null } }[] }>(200, 'GET', '/v1/conversations');
  const twin = conversations.items.find((c) => c.slack.conversationId === dm.id);
  if (!twin) throw new Error(`the DM ${dm.id} is not among the relayed conversations`);
  say(`   ${twin.kind} ${twin.id}: Slack ${twin.slack.conversationId} <-> Teams ${twin.teams.conversationId}`);
  const messages = await admin.expect<{
    items: {
      source: { platform: string; messageId: string };
      state: string;
      targetMessageIds: string[];
      reason?: string;
      deleted: boolean;
      reactions?: { change: string; reaction: string; state: string; reason?: string }[];
    }[];
  }>(
    200,
    'GET',
    `/v1/conversations/${twin.id}/messages?limit=10`,
  );
  for (const m of messages.items) {
    say(`   from ${m.source.platform} ${m.source.messageId}: ${m.state}${m.targetMessageIds.length ? ` as ${m.targetMessageIds.join(', ')}` : ''}${m.deleted ? ' (deleted)' : ''}${m.reason ? ` — ${m.reason}` : ''}`);
    for (const r of m.reactions ?? []) say(`     reaction ${r.change} ${r.reaction}: ${r.state}${r.reason ? ` — ${r.reason}` : ''}`);
  }
  say('\nDone.');
}

main().catch((error: unknown) => {
  process.stderr.write(`relay demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

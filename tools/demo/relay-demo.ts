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
 * them also reacts to the other's message, and sees the other's reaction arrive as made by the other. Then the admin
 * links a Slack channel with a Teams channel that Parley creates (Channel Sync), and the two talk in a thread there.
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

/** The demo's linked Slack channel; a later run finds its link and reuses it. */
const DEMO_CHANNEL = 'parley-launch';

interface ChannelLink {
  id: string;
  conversationId: string;
  slack: { channelId: string; name: string };
  teams: { teamId: string; channelId: string; displayName: string };
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
    /** A person's Teams client: GET (or POST with a body), JSON back, 429s waited out. */
    return async <T>(pathname: string, body?: unknown): Promise<T> => {
      const call = () =>
        tlsFetch(`${credentials.graph.graphUrl}${pathname}`, {
          method: body === undefined ? 'GET' : 'POST',
          headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
          dispatcher: graphTls,
        });
      let response = await call();
      // Teams paces readers too (the sandbox's limits are on): wait as asked, like a Teams client.
      for (let tries = 0; response.status === 429 && tries < 10; tries++) {
        await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after') ?? 1) * 1000));
        response = await call();
      }
      if (!response.ok) throw new Error(`Graph ${pathname}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
  };
  const slackWithToken = async <T>(token: string, method: string, params: Record<string, string>): Promise<T> => {
    const response = await fetch(`${credentials.slack.apiUrl}${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    const json = (await response.json()) as T & { ok: boolean; error?: string };
    if (!json.ok) throw new Error(`Slack ${method}: ${json.error}`);
    return json;
  };
  const slackAs = async (userId: string) => {
    const { token } = await control<{ token: string }>('slack', 'tokens', { kind: 'user', as: userId, scopes: ['im:history', 'im:read', 'users:read', 'channels:history', 'channels:read'] });
    return <T>(method: string, params: Record<string, string>): Promise<T> => slackWithToken<T>(token, method, params);
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

  step(9, 'Channel Sync: the admin links a Slack channel with a Teams channel that Parley creates');
  const links = await admin.expect<{ items: ChannelLink[] }>(200, 'GET', '/v1/channel-links?limit=200');
  let link = links.items.find((l) => l.slack.name === DEMO_CHANNEL);
  if (link) {
    say(`   already linked in an earlier run: Slack #${link.slack.name} <-> Teams "${link.teams.displayName}"`);
  } else {
    const made = await control<{ id: string }>('slack', 'channels', { name: DEMO_CHANNEL, members: [adaSlack] });
    link = await admin.expect<ChannelLink>(201, 'POST', '/v1/channel-links', { slack: { channelId: made.id }, teams: { create: true } });
    say(`   Slack #${link.slack.name} (${link.slack.channelId}) <-> Teams "${link.teams.displayName}" (${link.teams.channelId}), created by Parley`);
  }
  const { teamId, channelId } = link.teams;
  const teamsChannel = `/teams/${teamId}/channels/${encodeURIComponent(channelId)}/messages`;

  step(10, `${ada.displayName} writes in the Slack channel; ${frances.displayName} reads it in the Teams channel`);
  const channelMarker = `channel ${Date.now()}`;
  // slack-connector joins the channel when it reads the link: a message before that would not be heard.
  const botUser = (await slackWithToken<{ user_id: string }>(credentials.slack.botToken, 'auth.test', {})).user_id;
  await eventually('the Parley app in the Slack channel', async () => {
    const members = await asAda<{ members: string[] }>('conversations.members', { channel: link?.slack.channelId as string });
    return members.members.includes(botUser) ? true : undefined;
  });
  const inChannel = await control<{ ts: string }>('slack', 'post', { as: adaSlack, channel: link.slack.channelId, text: `Launch checklist is _done_ (${channelMarker})` });
  const onTeams = await eventually(`the channel message in ${frances.displayName}'s Teams`, async () =>
    (await asFrances<{ value: GraphMessage[] }>(`${teamsChannel}?$top=50`)).value.find((m) => m.body.content.includes(channelMarker)),
  );
  say(`   in the Teams channel, from ${onTeams.from?.user?.displayName ?? '?'}: ${onTeams.body.content}`);

  step(11, `${frances.displayName} answers in its thread on Teams; ${ada.displayName} reads the answer in the Slack thread`);
  const threadMarker = `thread ${Date.now()}`;
  await control('graph', 'post', { as: francesTeams, teamId, channelId, replyToId: onTeams.id, content: `On it (${threadMarker})`, contentType: 'text' });
  const inThread = await eventually(`the answer in ${ada.displayName}'s Slack thread`, async () => {
    const replies = await asAda<{ messages: SlackMessage[] }>('conversations.replies', { channel: link?.slack.channelId as string, ts: inChannel.ts });
    return replies.messages.find((m) => m.text?.includes(threadMarker));
  });
  say(`   in the thread of ${inChannel.ts}, from ${inThread.user} (${frances.displayName}'s Slack account): ${inThread.text}`);

  step(12, `${frances.displayName} reacts on Teams; Slack shows it on ${ada.displayName}'s channel message`);
  await control('graph', 'react', { as: francesTeams, teamId, channelId, messageId: onTeams.id, reactionType: '🚀' });
  const rocket = await eventually(`${frances.displayName}'s reaction in the Slack channel`, async () => {
    const replies = await asAda<{ messages: SlackMessage[] }>('conversations.replies', { channel: link?.slack.channelId as string, ts: inChannel.ts });
    return replies.messages.find((m) => m.ts === inChannel.ts)?.reactions?.find((r) => r.users.includes(francesMirror?.platformUserId as string));
  });
  say(`   Slack shows :${rocket.name}: from ${francesMirror?.platformUserId}`);

  step(13, 'Images both ways in the channel: each arrives as an image, from its sender');
  // A small valid PNG (1x1, red): the same bytes must come out on the other side.
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');
  const imageMarker = `image ${Date.now()}`;
  // Ada's Slack client uploads it the way Slack's API asks: an upload URL, the bytes, then the share into the channel.
  const { token: adaFilesToken } = await control<{ token: string }>('slack', 'tokens', { kind: 'user', as: adaSlack, scopes: ['files:write', 'files:read', 'channels:history'] });
  const upload = await slackWithToken<{ upload_url: string; file_id: string }>(adaFilesToken, 'files.getUploadURLExternal', { filename: 'build-status.png', length: String(png.length) });
  const uploaded = await fetch(upload.upload_url, { method: 'POST', headers: { authorization: `Bearer ${adaFilesToken}` }, body: png });
  if (!uploaded.ok) throw new Error(`the upload URL answered ${uploaded.status}`);
  await slackWithToken(adaFilesToken, 'files.completeUploadExternal', {
    files: JSON.stringify([{ id: upload.file_id, title: 'build-status.png' }]),
    channel_id: link.slack.channelId,
    initial_comment: `Build status (${imageMarker})`,
  });
  const withImage = await eventually(`the image in ${frances.displayName}'s Teams channel`, async () =>
    (await asFrances<{ value: GraphMessage[] }>(`${teamsChannel}?$top=50`)).value.find((m) => m.body.content.includes(imageMarker) && m.body.content.includes('hostedContents')),
  );
  const hosted = (await asFrances<{ value: { id: string }[] }>(`${teamsChannel}/${encodeURIComponent(withImage.id)}/hostedContents`)).value;
  say(`   Teams shows it inline from ${withImage.from?.user?.displayName ?? '?'}: ${hosted.length} hosted image (${png.length} bytes sent)`);
  const pasteMarker = `screenshot ${Date.now()}`;
  await asFrances(teamsChannel, {
    body: { contentType: 'html', content: `<p>Screenshot (${pasteMarker})</p><img src="../hostedContents/1/$value">` },
    hostedContents: [{ '@microsoft.graph.temporaryId': '1', contentBytes: png.toString('base64'), contentType: 'image/png' }],
  });
  const onSlackImage = await eventually(`the screenshot in ${ada.displayName}'s Slack channel`, async () => {
    const history = await asAda<{ messages: (SlackMessage & { files?: { name: string; mimetype: string; size: number }[] })[] }>('conversations.history', { channel: link?.slack.channelId as string, limit: '50' });
    return history.messages.find((m) => m.text?.includes(pasteMarker) && (m.files?.length ?? 0) > 0);
  });
  say(`   Slack shows ${onSlackImage.files?.[0]?.name} (${onSlackImage.files?.[0]?.mimetype}, ${onSlackImage.files?.[0]?.size} bytes) from ${onSlackImage.user}`);
  const channelMessages = await admin.expect<{ items: { source: { platform: string; messageId: string }; state: string }[] }>(200, 'GET', `/v1/conversations/${link.conversationId}/messages?limit=5`);
  for (const m of channelMessages.items) say(`   channel message from ${m.source.platform} ${m.source.messageId}: ${m.state}`);
  say('\nDone.');
}

main().catch((error: unknown) => {
  process.stderr.write(`relay demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

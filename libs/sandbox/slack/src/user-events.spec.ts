import net from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import { WebClient, type WebAPIPlatformError } from '@slack/web-api';
import { startSlackSandbox, type SlackSandbox, type SlackSeedCredentials } from './index';

const RELAY_USER_SCOPES = ['chat:write', 'im:history', 'im:read', 'im:write', 'mpim:history', 'mpim:read', 'mpim:write', 'reactions:read', 'reactions:write', 'users:read'];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

interface Seen {
  readonly event: Record<string, unknown>;
  readonly body: Record<string, unknown>;
}

// A Bolt app holding the bot token receives, on behalf of the people who installed it with user scopes, the events of
// their DMs and group DMs, where its bot is not a member.
describe('Slack sandbox user-token events with @slack/bolt', () => {
  let sandbox: SlackSandbox;
  let creds: SlackSeedCredentials;
  let app: App;
  let port: number;
  let ids: Record<string, string>;
  let appClient: WebClient;
  const seen: Seen[] = [];

  beforeAll(async () => {
    sandbox = await startSlackSandbox({ limits: { enabled: false }, events: { retryDelaysMs: [20, 20, 20] } });
    creds = sandbox.seedDemo();
    port = await freePort();
    app = new App({ token: creds.botToken, signingSecret: creds.signingSecret, clientOptions: { slackApiUrl: sandbox.apiUrl }, logLevel: LogLevel.ERROR });
    const record = async ({ event, body }: { event: unknown; body: unknown }) => {
      seen.push({ event: event as Record<string, unknown>, body: body as Record<string, unknown> });
    };
    app.event('message', record);
    app.event('reaction_added', record);
    app.event('reaction_removed', record);
    await app.start(port);
  });
  afterAll(async () => {
    await app.stop();
    await sandbox.stop();
  });
  beforeEach(async () => {
    await sandbox.eventsIdle();
    sandbox.reset();
    sandbox.setLimits({ enabled: false });
    creds = sandbox.seedDemo();
    ids = Object.fromEntries([...sandbox.state.users.values()].map((u) => [u.name, u.id]));
    appClient = new WebClient(creds.appToken, { slackApiUrl: sandbox.apiUrl });
    expect(await sandbox.control.setEventsUrl({ url: `http://127.0.0.1:${port}/slack/events` })).toBe(true);
    seen.length = 0;
  });

  const install = (name: string, scopes = RELAY_USER_SCOPES) => new WebClient(sandbox.control.installForUser({ as: name, userScopes: scopes }), { slackApiUrl: sandbox.apiUrl });
  const settle = async () => {
    await sandbox.eventsIdle();
    // Bolt dispatches after acking; give its listeners a moment.
    await new Promise((resolve) => setTimeout(resolve, 50));
  };
  const errorOf = async (call: Promise<unknown>) => ((await call.catch((e: unknown) => e)) as WebAPIPlatformError).data;

  it('delivers a DM\'s messages, edits, deletes and reactions for a person who installed with user scopes', async () => {
    const ada = install('eng01');
    const dm = sandbox.control.open({ as: 'eng02', with: ['eng01'] }).id;
    const posted = sandbox.control.post({ as: 'eng02', channel: dm, text: 'hello Ada' });
    sandbox.control.edit({ as: 'eng02', channel: dm, ts: posted['ts'] as string, text: 'hello Ada!' });
    sandbox.control.react({ as: 'eng02', channel: dm, ts: posted['ts'] as string, name: 'wave' });
    sandbox.control.unreact({ as: 'eng02', channel: dm, ts: posted['ts'] as string, name: 'wave' });
    sandbox.control.delete({ as: 'eng02', channel: dm, ts: posted['ts'] as string });
    await settle();
    const events = seen.map((s) => s.event).sort((a, b) => Number(a['event_ts']) - Number(b['event_ts']));
    expect(events.map((e) => [e['type'], e['subtype']])).toEqual([
      ['message', undefined],
      ['message', 'message_changed'],
      ['reaction_added', undefined],
      ['reaction_removed', undefined],
      ['message', 'message_deleted'],
    ]);
    expect(events[0]).toMatchObject({ channel: dm, channel_type: 'im', user: ids['eng02'], text: 'hello Ada', client_msg_id: expect.any(String) });
    expect(events[1]).toMatchObject({ channel_type: 'im', message: { text: 'hello Ada!', edited: { user: ids['eng02'] } } });
    expect(events[2]).toMatchObject({ user: ids['eng02'], reaction: 'wave', item: { channel: dm, ts: posted['ts'] }, item_user: ids['eng02'] });
    expect(events[4]).toMatchObject({ channel_type: 'im', deleted_ts: posted['ts'] });
    for (const { body } of seen) {
      expect(body['authorizations']).toEqual([{ enterprise_id: null, team_id: creds.teamId, user_id: ids['eng01'], is_bot: false, is_enterprise_install: false }]);
      expect(body['event_context']).toEqual(expect.stringMatching(/^4-/));
    }

    // Her own posts through her user token come back too: the relay must recognize its own by ts (or metadata).
    seen.length = 0;
    const mine = await ada.chat.postMessage({ channel: dm, text: 'relayed as Ada' });
    await settle();
    expect(seen.map((s) => s.event)).toEqual([expect.objectContaining({ type: 'message', channel_type: 'im', user: ids['eng01'], ts: mine.ts, text: 'relayed as Ada' })]);
    expect(seen[0]?.event['bot_id']).toBeUndefined();
    expect(seen[0]?.event['client_msg_id']).toBeUndefined();
    // So do her edits, deletes and reactions through it.
    seen.length = 0;
    await ada.chat.update({ channel: dm, ts: mine.ts as string, text: 'relayed as Ada, edited' });
    await ada.reactions.add({ channel: dm, timestamp: mine.ts as string, name: 'eyes' });
    await ada.chat.delete({ channel: dm, ts: mine.ts as string });
    await settle();
    const own = seen.map((s) => s.event).sort((a, b) => Number(a['event_ts']) - Number(b['event_ts']));
    expect(own).toEqual([
      expect.objectContaining({ subtype: 'message_changed', message: expect.objectContaining({ user: ids['eng01'], text: 'relayed as Ada, edited', edited: expect.objectContaining({ user: ids['eng01'] }) }) }),
      expect.objectContaining({ type: 'reaction_added', user: ids['eng01'], reaction: 'eyes' }),
      expect.objectContaining({ subtype: 'message_deleted', deleted_ts: mine.ts }),
    ]);
  });

  it('delivers a group DM\'s events once, names one installation, and lists every one through apps.event.authorizations.list', async () => {
    install('eng01');
    install('eng03');
    const group = sandbox.control.open({ as: 'eng02', with: ['eng01', 'eng03'] }).id;
    sandbox.control.post({ as: 'eng02', channel: group, text: 'hi all' });
    await settle();
    expect(seen).toHaveLength(1);
    const body = seen[0]?.body as Record<string, unknown>;
    expect(seen[0]?.event).toMatchObject({ channel: group, channel_type: 'mpim', text: 'hi all' });
    expect(body['authorizations']).toEqual([expect.objectContaining({ user_id: ids['eng01'], is_bot: false })]);

    const listed = await appClient.apps.event.authorizations.list({ event_context: body['event_context'] as string });
    expect(listed.authorizations?.map((a) => [a.user_id, a.is_bot])).toEqual([
      [ids['eng01'], false],
      [ids['eng03'], false],
    ]);
    const page = await appClient.apps.event.authorizations.list({ event_context: body['event_context'] as string, limit: 1 });
    expect(page.authorizations).toHaveLength(1);
    const rest = await appClient.apps.event.authorizations.list({ event_context: body['event_context'] as string, cursor: page.response_metadata?.next_cursor as string });
    expect(rest.authorizations?.map((a) => a.user_id)).toEqual([ids['eng03']]);
  });

  it('puts the bot first where it is a member, with the installed people after it', async () => {
    install('eng01', ['channels:history']);
    sandbox.control.post({ as: 'eng02', channel: 'general', text: 'in a channel' });
    await settle();
    const body = seen[0]?.body as Record<string, unknown>;
    expect(body['authorizations']).toEqual([expect.objectContaining({ user_id: creds.botUserId, is_bot: true })]);
    const listed = await appClient.apps.event.authorizations.list({ event_context: body['event_context'] as string });
    expect(listed.authorizations?.map((a) => a.user_id)).toEqual([creds.botUserId, ids['eng01']]);
  });

  it('delivers nothing for conversations of people who did not install, lack the scope or were revoked', async () => {
    install('eng06', ['chat:write', 'im:write']); // no im:history
    const adaToken = sandbox.control.installForUser({ as: 'eng01', userScopes: RELAY_USER_SCOPES });
    const strangers = sandbox.control.open({ as: 'eng04', with: ['eng05'] }).id;
    const unscoped = sandbox.control.open({ as: 'eng07', with: ['eng06'] }).id;
    sandbox.control.post({ as: 'eng04', channel: strangers, text: 'private' });
    sandbox.control.post({ as: 'eng07', channel: unscoped, text: 'not heard' });
    const adaDm = sandbox.control.open({ as: 'eng08', with: ['eng01'] }).id;
    sandbox.control.revokeToken(adaToken);
    sandbox.control.post({ as: 'eng08', channel: adaDm, text: 'after revocation' });
    await settle();
    expect(seen).toEqual([]);
    expect(sandbox.inspect.events()).toEqual([]);
  });

  it('answers apps.event.authorizations.list errors and keeps app-level tokens to their own methods', async () => {
    install('eng01');
    const dm = sandbox.control.open({ as: 'eng02', with: ['eng01'] }).id;
    sandbox.control.post({ as: 'eng02', channel: dm, text: 'x' });
    await settle();
    const context = seen[0]?.body['event_context'] as string;
    expect(await errorOf(appClient.apps.event.authorizations.list({ event_context: 'garbage' }))).toMatchObject({ error: 'invalid_event_context' });
    const other = sandbox.state.addApp(creds.teamId, 'Other');
    const otherAppToken = sandbox.control.issueToken({ kind: 'app', appId: other.app.id, scopes: ['authorizations:read'] });
    expect(await errorOf(new WebClient(otherAppToken, { slackApiUrl: sandbox.apiUrl }).apps.event.authorizations.list({ event_context: context }))).toMatchObject({ error: 'auth_mismatch' });
    const unscoped = sandbox.control.issueToken({ kind: 'app', scopes: ['connections:write'] });
    expect(await errorOf(new WebClient(unscoped, { slackApiUrl: sandbox.apiUrl }).apps.event.authorizations.list({ event_context: context }))).toMatchObject({ error: 'missing_scope', needed: 'authorizations:read' });
    expect(await errorOf(new WebClient(creds.botToken, { slackApiUrl: sandbox.apiUrl }).apps.event.authorizations.list({ event_context: context }))).toMatchObject({ error: 'not_allowed_token_type' });
    expect(await errorOf(appClient.chat.postMessage({ channel: dm, text: 'x' }))).toMatchObject({ error: 'not_allowed_token_type' });
    expect(creds.appToken).toMatch(/^xapp-1-A/);
  });
});

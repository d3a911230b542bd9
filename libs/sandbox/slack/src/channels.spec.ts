import { LogLevel, WebClient, type WebAPIPlatformError } from '@slack/web-api';
import { startEventReceiver, startSlackSandbox, type EventReceiver, type ReceivedRequest, type SlackSandbox, type SlackSeedCredentials } from './index';

const event = (r: ReceivedRequest) => r.json['event'] as Record<string, unknown>;
const codeOf = async (call: Promise<unknown>) => ((await call.then(() => undefined, (e: unknown) => e)) as WebAPIPlatformError | undefined)?.data?.error;

// Channels as a channel bridge uses them, through the official WebClient: the bot joins public channels, hears their
// messages and reactions, invites people, posts as the app under someone's name; people's tokens post where they are.
describe('Slack sandbox channels through @slack/web-api', () => {
  let sandbox: SlackSandbox;
  let receiver: EventReceiver;
  let creds: SlackSeedCredentials;
  let bot: WebClient;
  let ids: Record<string, string>;
  const client = (token: string) => new WebClient(token, { slackApiUrl: sandbox.apiUrl, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });
  const eventsIn = (channel: string) =>
    receiver
      .callbacks()
      .map(event)
      .filter((e) => e['channel'] === channel || (e['item'] as { channel?: string } | undefined)?.channel === channel)
      .sort((a, b) => Number(a['event_ts']) - Number(b['event_ts']));

  beforeAll(async () => {
    sandbox = await startSlackSandbox({ limits: { enabled: false }, events: { retryDelaysMs: [0, 30, 60], ackTimeoutMs: 500 } });
    receiver = await startEventReceiver();
  });
  afterAll(async () => {
    await sandbox.stop();
    await receiver.close();
  });
  beforeEach(async () => {
    await sandbox.eventsIdle();
    sandbox.reset();
    receiver.received.length = 0;
    creds = sandbox.seedDemo();
    bot = client(creds.botToken);
    ids = Object.fromEntries([...sandbox.state.users.values()].map((u) => [u.name, u.id]));
    expect(await sandbox.control.setEventsUrl({ url: receiver.url })).toBe(true);
  });

  it('joins public channels only; joining again is ok with a warning; archived and unknown channels are refused', async () => {
    const random = creds.channels['random'] as string;
    const joined = await bot.conversations.join({ channel: random });
    expect(joined.channel).toMatchObject({ id: random, is_member: true, is_private: false, is_archived: false });
    expect(joined.warning).toBeUndefined();
    const again = await bot.conversations.join({ channel: random });
    expect(again).toMatchObject({ ok: true, warning: 'already_in_channel', response_metadata: { warnings: ['already_in_channel'] } });

    const secret = sandbox.control.createChannel({ name: 'secret-plans', isPrivate: true, members: ['eng01'] })['id'] as string;
    // The bot cannot see a private channel it is not in (channel_not_found); a member's invitation is the way in.
    expect(await codeOf(bot.conversations.join({ channel: secret }))).toBe('channel_not_found');
    const eng01 = client(sandbox.control.issueToken({ kind: 'user', as: 'eng01', scopes: ['groups:write', 'groups:read', 'channels:join'] }));
    await eng01.conversations.invite({ channel: secret, users: creds.botUserId });
    expect(await codeOf(bot.conversations.join({ channel: secret }))).toBe('method_not_supported_for_channel_type');

    const old = sandbox.control.createChannel({ name: 'old-news', members: ['eng01'] })['id'] as string;
    sandbox.control.archive({ as: 'eng01', channel: old });
    expect(await codeOf(bot.conversations.join({ channel: old }))).toBe('is_archived');
    expect((await bot.conversations.info({ channel: old })).channel).toMatchObject({ is_archived: true, is_member: false });
    expect(await codeOf(bot.conversations.join({ channel: 'C0NOSUCH' }))).toBe('channel_not_found');

    const noJoin = client(sandbox.control.issueToken({ kind: 'bot', scopes: ['channels:read'] }));
    expect(await codeOf(noJoin.conversations.join({ channel: random }))).toBe('missing_scope');
  });

  it('describes a channel for the bot: private, archived, whether the bot is a member', async () => {
    const general = creds.channels['general'] as string;
    expect((await bot.conversations.info({ channel: general })).channel).toMatchObject({ id: general, name: 'general', is_private: false, is_member: true, is_archived: false });
    expect((await bot.conversations.info({ channel: creds.channels['random'] as string })).channel).toMatchObject({ is_member: false });
    const created = await bot.conversations.create({ name: 'bridge-private', is_private: true });
    expect(created.channel).toMatchObject({ name: 'bridge-private', is_private: true, is_group: true, is_member: true });
    expect(await codeOf(bot.conversations.create({ name: 'bridge-private' }))).toBe('name_taken');
    expect(await codeOf(bot.conversations.create({ name: 'x'.repeat(81) }))).toBe('invalid_name_maxlength');
    await bot.conversations.archive({ channel: created.channel?.id as string });
    expect(await codeOf(bot.conversations.archive({ channel: created.channel?.id as string }))).toBe('already_archived');
    expect(await codeOf(bot.conversations.archive({ channel: general }))).toBe('cant_archive_general');
    expect(await codeOf(bot.chat.postMessage({ channel: created.channel?.id as string, text: 'too late' }))).toBe('is_archived');
    expect(await codeOf(bot.conversations.invite({ channel: created.channel?.id as string, users: ids['eng01'] as string }))).toBe('is_archived');
  });

  it("sends the bot its channels' messages, thread replies, broadcasts, edits, deletes and reactions, with channel_type", async () => {
    const general = creds.channels['general'] as string;
    const secret = sandbox.control.createChannel({ name: 'secret-plans', isPrivate: true, members: ['eng01', 'eng02', creds.botUserId] })['id'] as string;
    const root = sandbox.control.post({ as: 'eng01', channel: general, text: 'root' })['ts'] as string;
    sandbox.control.reply({ as: 'eng02', channel: general, threadTs: root, text: 'in the thread' });
    sandbox.control.reply({ as: 'eng02', channel: general, threadTs: root, text: 'also to the channel', replyBroadcast: true });
    sandbox.control.edit({ as: 'eng01', channel: general, ts: root, text: 'root (edited)' });
    sandbox.control.react({ as: 'eng02', channel: general, ts: root, name: 'tada' });
    sandbox.control.unreact({ as: 'eng02', channel: general, ts: root, name: 'tada' });
    sandbox.control.delete({ as: 'eng01', channel: general, ts: root });
    sandbox.control.post({ as: 'eng01', channel: secret, text: 'private words' });
    await receiver.waitForCallbacks(8);
    await sandbox.eventsIdle();

    const inGeneral = eventsIn(general);
    expect(inGeneral.map((e) => [e['type'], e['subtype'], e['channel_type']])).toEqual([
      ['message', undefined, 'channel'],
      ['message', undefined, 'channel'],
      ['message', 'thread_broadcast', 'channel'],
      ['message', 'message_changed', 'channel'],
      ['reaction_added', undefined, undefined],
      ['reaction_removed', undefined, undefined],
      ['message', 'message_deleted', 'channel'],
    ]);
    expect(inGeneral[1]).toMatchObject({ text: 'in the thread', thread_ts: root, user: ids['eng02'] });
    expect(inGeneral[2]).toMatchObject({ text: 'also to the channel', thread_ts: root });
    expect(inGeneral[3]).toMatchObject({ message: { ts: root, text: 'root (edited)' }, previous_message: { text: 'root' } });
    expect(inGeneral[4]).toMatchObject({ user: ids['eng02'], reaction: 'tada', item: { type: 'message', channel: general, ts: root }, item_user: ids['eng01'] });
    expect(inGeneral[6]).toMatchObject({ deleted_ts: root });
    expect(eventsIn(secret)).toEqual([expect.objectContaining({ type: 'message', channel_type: 'group', text: 'private words' })]);
    // Every one came through the bot's own installation.
    for (const r of receiver.callbacks()) expect(r.json['authorizations']).toEqual([expect.objectContaining({ user_id: creds.botUserId, is_bot: true })]);
  });

  it('sends the bot no channel messages without channels:history, nor reactions without reactions:read', async () => {
    sandbox.reset();
    creds = sandbox.seedDemo();
    const app = [...sandbox.state.apps.values()][0];
    if (app) app.botScopes = app.botScopes.filter((s) => s !== 'channels:history' && s !== 'reactions:read');
    expect(await sandbox.control.setEventsUrl({ url: receiver.url })).toBe(true);
    const general = creds.channels['general'] as string;
    const ts = sandbox.control.post({ as: 'eng01', channel: general, text: 'unheard' })['ts'] as string;
    sandbox.control.react({ as: 'eng02', channel: general, ts, name: 'eyes' });
    sandbox.control.leave({ as: 'eng03', channel: general });
    await receiver.waitForCallbacks(1);
    await sandbox.eventsIdle();
    expect(eventsIn(general).map((e) => e['type'])).toEqual(['member_left_channel']);
  });

  it("posts as the app under a person's name and picture in a channel, in threads and to the channel too", async () => {
    const general = creds.channels['general'] as string;
    const root = await bot.chat.postMessage({ channel: general, text: 'from Teams', username: 'Frances Hopper', icon_url: 'https://avatars.example.com/frances.png' });
    const reply = await bot.chat.postMessage({ channel: general, text: 'a reply', thread_ts: root.ts as string, username: 'Frances Hopper' });
    const broadcast = await bot.chat.postMessage({ channel: general, text: 'a broadcast', thread_ts: root.ts as string, reply_broadcast: true, username: 'Frances Hopper' });
    const history = (await bot.conversations.history({ channel: general })).messages ?? [];
    expect(history.find((m) => m.ts === root.ts)).toMatchObject({ subtype: 'bot_message', bot_id: creds.botId, username: 'Frances Hopper', icons: { image_48: 'https://avatars.example.com/frances.png' } });
    expect(history.find((m) => m.ts === reply.ts)).toBeUndefined();
    expect(history.find((m) => m.ts === broadcast.ts)).toMatchObject({ subtype: 'thread_broadcast', thread_ts: root.ts });
    const thread = (await bot.conversations.replies({ channel: general, ts: root.ts as string })).messages ?? [];
    expect(thread.map((m) => m.text)).toEqual(['from Teams', 'a reply', 'a broadcast']);
    // The app's own posts, customized or not, are the bot token's to change.
    await bot.chat.update({ channel: general, ts: reply.ts as string, text: 'a reply (edited)' });
    await bot.chat.delete({ channel: general, ts: broadcast.ts as string });
  });

  it("lets a person's token post only where the person is; the bot invites them, then it posts as them", async () => {
    const random = creds.channels['random'] as string;
    await bot.conversations.join({ channel: random });
    const mirror = sandbox.control.addPerson({ name: 'frances-mirror', email: 'frances@teams.example' })['id'] as string;
    const token = sandbox.control.installForUser({ as: mirror, userScopes: ['chat:write', 'reactions:write'] });
    const frances = client(token);
    expect(await codeOf(frances.chat.postMessage({ channel: random, text: 'let me in' }))).toBe('not_in_channel');
    const root = sandbox.control.post({ as: 'eng01', channel: random, text: 'welcome' })['ts'] as string;
    expect(await codeOf(frances.reactions.add({ channel: random, timestamp: root, name: 'wave' }))).toBe('not_in_channel');

    await bot.conversations.invite({ channel: random, users: mirror });
    expect(await codeOf(bot.conversations.invite({ channel: random, users: mirror }))).toBe('already_in_channel');
    const posted = await frances.chat.postMessage({ channel: random, text: 'thanks', thread_ts: root, username: 'ignored' });
    expect(posted.message).toMatchObject({ user: mirror, text: 'thanks', thread_ts: root });
    expect(posted.message?.bot_id).toBeUndefined();
    await frances.reactions.add({ channel: random, timestamp: root, name: 'wave' });
    await frances.chat.update({ channel: random, ts: posted.ts as string, text: 'thanks!' });
    expect(await codeOf(bot.chat.update({ channel: random, ts: posted.ts as string, text: 'not the app\u2019s' }))).toBe('cant_update_message');
    await frances.chat.delete({ channel: random, ts: posted.ts as string });
  });

  it('keeps a single-channel guest to one channel: a second invite is ura_max_channels', async () => {
    const guest = sandbox.control.addPerson({ name: 'guest-one', email: 'guest@partner.example', guest: 'single' })['id'] as string;
    const first = (await bot.conversations.create({ name: 'guest-room' })).channel?.id as string;
    await bot.conversations.invite({ channel: first, users: guest });
    expect(await codeOf(bot.conversations.invite({ channel: creds.channels['general'] as string, users: guest }))).toBe('ura_max_channels');
    // A multi-channel guest has no such limit.
    const multi = sandbox.control.addPerson({ name: 'guest-many', email: 'many@partner.example', guest: 'multi' })['id'] as string;
    await bot.conversations.invite({ channel: first, users: multi });
    await bot.conversations.invite({ channel: creds.channels['general'] as string, users: multi });
  });
});

import { WebClient, type WebAPIPlatformError } from '@slack/web-api';
import { startSlackSandbox, type SlackSandbox, type SlackSeedCredentials } from './index';

const RELAY_USER_SCOPES = ['chat:write', 'im:history', 'im:read', 'im:write', 'mpim:history', 'mpim:read', 'mpim:write', 'reactions:read', 'reactions:write', 'users:read'];

// What a relay speaking as people sees through @slack/web-api with their user (xoxp) tokens.
describe('Slack sandbox user tokens through @slack/web-api', () => {
  let sandbox: SlackSandbox;
  let creds: SlackSeedCredentials;
  let bot: WebClient;
  let ids: Record<string, string>;

  beforeAll(async () => {
    sandbox = await startSlackSandbox({ limits: { enabled: false } });
  });
  afterAll(() => sandbox.stop());
  beforeEach(() => {
    sandbox.reset();
    sandbox.setLimits({ enabled: false });
    creds = sandbox.seedDemo();
    bot = new WebClient(creds.botToken, { slackApiUrl: sandbox.apiUrl });
    ids = Object.fromEntries([...sandbox.state.users.values()].map((u) => [u.name, u.id]));
  });

  const asPerson = (name: string, scopes = RELAY_USER_SCOPES) => new WebClient(sandbox.control.installForUser({ as: name, userScopes: scopes }), { slackApiUrl: sandbox.apiUrl });
  const errorOf = async (call: Promise<unknown>) => ((await call.catch((e: unknown) => e)) as WebAPIPlatformError).data;

  it('opens a DM and a group DM as the person; the same set of people gives the same conversation', async () => {
    const ada = asPerson('eng01');
    const dm = await ada.conversations.open({ users: ids['eng02'] as string });
    expect(dm.channel?.id).toMatch(/^D/);
    expect((await ada.conversations.open({ users: ids['eng02'] as string })).channel?.id).toBe(dm.channel?.id);
    // Listing oneself too changes nothing: still the DM of the two.
    expect((await ada.conversations.open({ users: `${ids['eng01']},${ids['eng02']}` })).channel?.id).toBe(dm.channel?.id);
    // The other person opening it finds the same one.
    expect((await asPerson('eng02').conversations.open({ users: ids['eng01'] as string })).channel?.id).toBe(dm.channel?.id);

    const group = await ada.conversations.open({ users: `${ids['eng02']},${ids['eng03']}`, return_im: true });
    expect(group.channel).toMatchObject({ id: expect.stringMatching(/^G/), is_mpim: true, is_im: false });
    const reordered = await asPerson('eng03').conversations.open({ users: `${ids['eng02']},${ids['eng01']}` });
    expect(reordered.channel?.id).toBe(group.channel?.id);
    expect(sandbox.state.conversations.get(group.channel?.id as string)?.members).toEqual(new Set([ids['eng01'], ids['eng02'], ids['eng03']]));
    // Who is in it, as the relay reads it with the person's token.
    const members = await ada.conversations.members({ channel: group.channel?.id as string });
    expect(new Set(members.members)).toEqual(new Set([ids['eng01'], ids['eng02'], ids['eng03']]));
    expect((await ada.conversations.info({ channel: dm.channel?.id as string })).channel).toMatchObject({ is_im: true, user: ids['eng02'] });
    // The bot is not in either.
    await expect(bot.conversations.history({ channel: dm.channel?.id as string })).rejects.toMatchObject({ data: { error: 'channel_not_found' } });

    expect(await errorOf(ada.conversations.open({ users: Array.from({ length: 9 }, (_, i) => ids[`eng0${i + 1}`] ?? ids['eng10']).join(',') }))).toMatchObject({ error: 'too_many_users' });
    expect(await errorOf(ada.conversations.open({} as never))).toMatchObject({ error: 'users_list_not_supplied' });
    const noMpim = asPerson('eng04', ['im:write']);
    expect(await errorOf(noMpim.conversations.open({ users: `${ids['eng02']},${ids['eng03']}` }))).toMatchObject({ error: 'missing_scope', needed: 'mpim:write', provided: 'im:write' });
  });

  it('posts as the person: their user id, no bot_id, no subtype; username and icon_url are ignored', async () => {
    const ada = asPerson('eng01');
    const dm = (await ada.conversations.open({ users: ids['eng02'] as string })).channel?.id as string;
    const posted = await ada.chat.postMessage({ channel: dm, text: 'hi Frances', username: 'Not me', icon_url: 'https://example.com/x.png' });
    expect(posted.message).toMatchObject({ type: 'message', user: ids['eng01'], text: 'hi Frances' });
    for (const field of ['bot_id', 'subtype', 'username', 'icons', 'app_id']) expect(posted.message).not.toHaveProperty(field);
    const history = await asPerson('eng02').conversations.history({ channel: dm });
    expect(history.messages?.[0]).toMatchObject({ user: ids['eng01'], text: 'hi Frances' });
    expect(history.messages?.[0]?.bot_id).toBeUndefined();
  });

  it('lets a user token change only its person\'s messages, and a bot token only the app\'s own posts', async () => {
    const general = creds.channels['general'] as string;
    const ada = asPerson('eng01', ['chat:write']);
    const grace = asPerson('eng02', ['chat:write']);
    const own = await ada.chat.postMessage({ channel: general, text: 'mine' });
    await expect(ada.chat.update({ channel: general, ts: own.ts as string, text: 'mine, edited' })).resolves.toMatchObject({ ok: true, text: 'mine, edited' });
    expect(sandbox.inspect.messages(general).at(-1)).toMatchObject({ text: 'mine, edited', edited: { user: ids['eng01'] } });
    expect(await errorOf(grace.chat.update({ channel: general, ts: own.ts as string, text: 'hijack' }))).toMatchObject({ error: 'cant_update_message' });
    expect(await errorOf(grace.chat.delete({ channel: general, ts: own.ts as string }))).toMatchObject({ error: 'cant_delete_message' });
    expect(await errorOf(bot.chat.update({ channel: general, ts: own.ts as string, text: 'bot edit' }))).toMatchObject({ error: 'cant_update_message' });
    expect(await errorOf(bot.chat.delete({ channel: general, ts: own.ts as string }))).toMatchObject({ error: 'cant_delete_message' });

    // The app's posts, customized ones included, are the bot's to change, and no person's.
    const fallback = await bot.chat.postMessage({ channel: general, text: 'relayed', username: 'Frances Hopper', icon_url: 'https://example.com/f.png' });
    expect(await errorOf(ada.chat.update({ channel: general, ts: fallback.ts as string, text: 'x' }))).toMatchObject({ error: 'cant_update_message' });
    await expect(bot.chat.update({ channel: general, ts: fallback.ts as string, text: 'relayed, edited' })).resolves.toMatchObject({ ok: true });
    // Another app's bot token cannot touch it either.
    const other = sandbox.state.addApp(creds.teamId, 'Other');
    sandbox.state.conversations.get(general)?.members.add(other.app.botUserId);
    const otherBot = new WebClient(other.botToken.token, { slackApiUrl: sandbox.apiUrl });
    expect(await errorOf(otherBot.chat.delete({ channel: general, ts: fallback.ts as string }))).toMatchObject({ error: 'cant_delete_message' });
    await expect(bot.chat.delete({ channel: general, ts: fallback.ts as string })).resolves.toMatchObject({ ok: true });
    await expect(ada.chat.delete({ channel: general, ts: own.ts as string })).resolves.toMatchObject({ ok: true });
  });

  it('reacts as the token\'s person', async () => {
    const ada = asPerson('eng01');
    const dm = (await ada.conversations.open({ users: ids['eng02'] as string })).channel?.id as string;
    const posted = await asPerson('eng02').chat.postMessage({ channel: dm, text: 'react to me' });
    await ada.reactions.add({ channel: dm, timestamp: posted.ts as string, name: 'thumbsup' });
    expect(sandbox.inspect.messages(dm)[0]).toMatchObject({ reactions: [{ name: 'thumbsup', users: [ids['eng01']], count: 1 }] });
    // reactions.get, as the other person of the DM reads it; someone outside the DM cannot.
    const got = await asPerson('eng02').reactions.get({ channel: dm, timestamp: posted.ts as string, full: true });
    expect(got).toMatchObject({ ok: true, type: 'message', channel: dm, message: { ts: posted.ts, reactions: [{ name: 'thumbsup', users: [ids['eng01']], count: 1 }] } });
    expect(await errorOf(asPerson('eng03').reactions.get({ channel: dm, timestamp: posted.ts as string }))).toMatchObject({ error: 'channel_not_found' });
    expect(await errorOf(ada.reactions.get({ channel: dm, timestamp: '1.000001' }))).toMatchObject({ error: 'message_not_found' });
    await ada.reactions.remove({ channel: dm, timestamp: posted.ts as string, name: 'thumbsup' });
    expect(sandbox.inspect.messages(dm)[0]?.['reactions']).toBeUndefined();
    expect(await errorOf(asPerson('eng03').reactions.add({ channel: dm, timestamp: posted.ts as string, name: 'x' }))).toMatchObject({ error: 'channel_not_found' });
  });

  it('keeps message metadata and returns it from history and replies only with include_all_metadata', async () => {
    const ada = asPerson('eng01');
    const dm = (await ada.conversations.open({ users: ids['eng02'] as string })).channel?.id as string;
    const metadata = { event_type: 'parley_delivery', event_payload: { delivery_id: 'd-42', attempt: 1 } };
    const posted = await ada.chat.postMessage({ channel: dm, text: 'carried', metadata });
    await ada.chat.postMessage({ channel: dm, text: 'reply', thread_ts: posted.ts as string, metadata: { event_type: 'parley_delivery', event_payload: { delivery_id: 'd-43' } } });
    expect((await ada.conversations.history({ channel: dm })).messages?.[0]?.metadata).toBeUndefined();
    expect((await ada.conversations.history({ channel: dm, include_all_metadata: true })).messages?.[0]?.metadata).toEqual(metadata);
    const thread = await ada.conversations.replies({ channel: dm, ts: posted.ts as string, include_all_metadata: true });
    expect(thread.messages?.map((m) => (m.metadata?.event_payload as Record<string, unknown> | undefined)?.['delivery_id'])).toEqual(['d-42', 'd-43']);
    // Bot posts carry it the same way.
    await bot.chat.postMessage({ channel: creds.channels['general'] as string, text: 'b', metadata });
    expect((await bot.conversations.history({ channel: creds.channels['general'] as string, include_all_metadata: true, limit: 1 })).messages?.[0]?.metadata).toEqual(metadata);

    const raw = (body: Record<string, unknown>) => fetch(`${sandbox.apiUrl}chat.postMessage`, { method: 'POST', headers: { authorization: `Bearer ${creds.botToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ channel: creds.channels['general'], text: 'x', ...body }) }).then((r) => r.json());
    expect(await raw({ metadata: '{not json' })).toEqual({ ok: false, error: 'invalid_metadata_format' });
    expect(await raw({ metadata: { event_type: 'no spaces allowed', event_payload: {} } })).toEqual({ ok: false, error: 'invalid_metadata_schema' });
    expect(await raw({ metadata: { event_type: 'ok', event_payload: [1] } })).toEqual({ ok: false, error: 'invalid_metadata_schema' });
  });

  it('marks "also send to channel" replies thread_broadcast and shows them in history', async () => {
    const ada = asPerson('eng01', ['chat:write', 'channels:history']);
    const general = creds.channels['general'] as string;
    const root = await ada.chat.postMessage({ channel: general, text: 'root' });
    const broadcast = await ada.chat.postMessage({ channel: general, text: 'also in channel', thread_ts: root.ts as string, reply_broadcast: true });
    expect(broadcast.message).toMatchObject({ subtype: 'thread_broadcast', thread_ts: root.ts, user: ids['eng01'] });
    await ada.chat.postMessage({ channel: general, text: 'thread only', thread_ts: root.ts as string });
    const history = await ada.conversations.history({ channel: general, limit: 2 });
    expect(history.messages?.map((m) => [m.text, m.subtype])).toEqual([
      ['also in channel', 'thread_broadcast'],
      ['root', undefined],
    ]);
  });

  it('refuses text past 40,000 characters with msg_too_long and takes exactly 40,000', async () => {
    const general = creds.channels['general'] as string;
    expect(await errorOf(bot.chat.postMessage({ channel: general, text: 'a'.repeat(40_001) }))).toMatchObject({ error: 'msg_too_long' });
    await expect(bot.chat.postMessage({ channel: general, text: 'a'.repeat(40_000) })).resolves.toMatchObject({ ok: true });
    const posted = await bot.chat.postMessage({ channel: general, text: 'short' });
    expect(await errorOf(bot.chat.update({ channel: general, ts: posted.ts as string, text: 'b'.repeat(40_001) }))).toMatchObject({ error: 'msg_too_long' });
  });

  it('gives the fallback what it needs: users.info real_name and image_72, history from `oldest`', async () => {
    const frances = await asPerson('eng01').users.info({ user: ids['eng02'] as string });
    expect(frances.user).toMatchObject({ id: ids['eng02'], real_name: expect.any(String), profile: { real_name: expect.any(String), image_72: expect.stringMatching(/^https:\/\//) } });
    expect(frances.user?.profile?.real_name).toBe(sandbox.state.users.get(ids['eng02'] as string)?.realName);

    const general = creds.channels['general'] as string;
    const first = await bot.chat.postMessage({ channel: general, text: 'one' });
    await bot.chat.postMessage({ channel: general, text: 'two' });
    await bot.chat.postMessage({ channel: general, text: 'three' });
    const after = await bot.conversations.history({ channel: general, oldest: first.ts as string });
    expect(after.messages?.map((m) => m.text)).toEqual(['three', 'two']);
    const including = await bot.conversations.history({ channel: general, oldest: first.ts as string, inclusive: true });
    expect(including.messages?.map((m) => m.text)).toEqual(['three', 'two', 'one']);
  });
});

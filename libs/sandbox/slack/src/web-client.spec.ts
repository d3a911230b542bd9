import { ErrorCode, WebClient, WebClientEvent, type WebAPIPlatformError, type WebAPIRateLimitedError } from '@slack/web-api';
import { generatedOrganization } from '@parley/sandbox-seed';
import { startSlackSandbox, type SlackSandbox, type SlackSeedCredentials } from './index';

// Conformance through the official WebClient: what a connector built on @slack/web-api will see.
describe('Slack sandbox through @slack/web-api', () => {
  let sandbox: SlackSandbox;
  let creds: SlackSeedCredentials;
  let client: WebClient;

  beforeAll(async () => {
    sandbox = await startSlackSandbox({ limits: { enabled: false } });
  });
  afterAll(() => sandbox.stop());
  beforeEach(() => {
    sandbox.reset();
    sandbox.setLimits({ enabled: false });
    creds = sandbox.seedDemo();
    client = new WebClient(creds.botToken, { slackApiUrl: sandbox.apiUrl });
  });

  it('answers auth.test for the bot token', async () => {
    const result = await client.auth.test();
    expect(result).toMatchObject({ ok: true, team_id: creds.teamId, user_id: creds.botUserId, bot_id: creds.botId });
  });

  it('paginates users.list to the end over a 1,000-person generated workspace, pages capped at 200', async () => {
    sandbox.reset();
    const org = generatedOrganization(1000, 7);
    const seeded = sandbox.seed(org);
    const bot = new WebClient(seeded.botToken, { slackApiUrl: sandbox.apiUrl });
    const ids: string[] = [];
    let pages = 0;
    for await (const page of bot.paginate('users.list', { limit: 500 })) {
      pages++;
      const members = (page as unknown as { members: Array<{ id: string }> }).members;
      expect(members.length).toBeLessThanOrEqual(200);
      ids.push(...members.map((m) => m.id));
    }
    const expected = org.people.filter((p) => p.slack).length + 1; // + the Parley bot user
    expect(ids).toHaveLength(expected);
    expect(new Set(ids).size).toBe(expected);
    expect(pages).toBe(Math.ceil(expected / 200));
  });

  it('shows emails only with users:read.email and answers missing_scope with needed and provided', async () => {
    const narrow = new WebClient(sandbox.control.issueToken({ kind: 'bot', scopes: ['users:read'] }), { slackApiUrl: sandbox.apiUrl });
    const list = await narrow.users.list({ limit: 5 });
    expect(list.members?.every((m) => m.profile?.email === undefined)).toBe(true);
    const full = await client.users.list({ limit: 5 });
    expect(full.members?.some((m) => typeof m.profile?.email === 'string')).toBe(true);

    const error = (await narrow.users.lookupByEmail({ email: 'eng01@parley-demo.example' }).catch((e: unknown) => e)) as WebAPIPlatformError;
    expect(error.code).toBe(ErrorCode.PlatformError);
    expect(error.data).toMatchObject({ ok: false, error: 'missing_scope', needed: 'users:read.email', provided: 'users:read' });

    const found = await client.users.lookupByEmail({ email: 'EnG01@parley-demo.example' });
    expect(found.user?.name).toBe('eng01');
    await expect(client.users.lookupByEmail({ email: 'nobody@nowhere.example' })).rejects.toMatchObject({ data: { error: 'users_not_found' } });
    await expect(client.users.info({ user: 'UNOPE' })).rejects.toMatchObject({ data: { error: 'user_not_found' } });
  });

  it('marks deactivated people deleted and the seed bot is_bot', async () => {
    const members = (await client.users.list({ limit: 200 })).members ?? [];
    expect(members.find((m) => m.name === 'eng-gone')?.deleted).toBe(true);
    expect(members.find((m) => m.name === 'deploybot')?.is_bot).toBe(true);
    expect(members.find((m) => m.name === 'eng01')?.profile).toMatchObject({ real_name: expect.any(String), display_name: expect.any(String), image_72: expect.stringContaining('http') });
  });

  it('posts, threads, edits, reacts and deletes with the documented shapes', async () => {
    const channel = creds.channels['general'] as string;
    const posted = await client.chat.postMessage({ channel, text: 'hello *world*' });
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(posted.message).toMatchObject({ subtype: 'bot_message', bot_id: creds.botId, text: 'hello *world*' });
    const reply = await client.chat.postMessage({ channel, text: 'in thread', thread_ts: posted.ts });
    expect(Number(reply.ts)).toBeGreaterThan(Number(posted.ts));

    const thread = await client.conversations.replies({ channel, ts: posted.ts as string });
    expect(thread.messages?.map((m) => m.text)).toEqual(['hello *world*', 'in thread']);
    expect(thread.messages?.[0]).toMatchObject({ reply_count: 1, thread_ts: posted.ts });

    await client.chat.update({ channel, ts: posted.ts as string, text: 'edited' });
    await client.reactions.add({ channel, timestamp: posted.ts as string, name: 'thumbsup' });
    await expect(client.reactions.add({ channel, timestamp: posted.ts as string, name: 'thumbsup' })).rejects.toMatchObject({ data: { error: 'already_reacted' } });
    const history = await client.conversations.history({ channel });
    expect(history.messages?.[0]).toMatchObject({ text: 'edited', edited: { user: creds.botUserId }, reactions: [{ name: 'thumbsup', count: 1 }] });
    expect(history.messages?.some((m) => m.text === 'in thread')).toBe(false);

    await client.reactions.remove({ channel, timestamp: posted.ts as string, name: 'thumbsup' });
    await client.chat.delete({ channel, ts: reply.ts as string });
    await expect(client.chat.delete({ channel, ts: reply.ts as string })).rejects.toMatchObject({ data: { error: 'message_not_found' } });
    await expect(client.chat.postMessage({ channel, text: 'x', thread_ts: '1.000000' })).rejects.toMatchObject({ data: { error: 'thread_not_found' } });
    await expect(client.chat.postMessage({ channel: 'C0NOPE', text: 'x' })).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
    await expect(client.chat.postMessage({ channel } as never)).rejects.toMatchObject({ data: { error: 'no_text' } });
  });

  it('refuses edits of other people\'s messages', async () => {
    const channel = creds.channels['general'] as string;
    const human = sandbox.control.post({ as: 'eng02', channel, text: 'mine' });
    await expect(client.chat.update({ channel, ts: human['ts'] as string, text: 'nope' })).rejects.toMatchObject({ data: { error: 'cant_update_message' } });
  });

  it('honours username and icon_url only with chat:write.customize, ignoring them otherwise', async () => {
    const channel = creds.channels['general'] as string;
    const custom = await client.chat.postMessage({ channel, text: 'as Teams person', username: 'Sales Rep (Teams)', icon_url: 'https://example.com/a.png' });
    expect(custom.message).toMatchObject({ username: 'Sales Rep (Teams)', icons: { image_48: 'https://example.com/a.png' } });
    const plain = new WebClient(sandbox.control.issueToken({ kind: 'bot', scopes: ['chat:write'] }), { slackApiUrl: sandbox.apiUrl });
    const ignored = await plain.chat.postMessage({ channel, text: 'no customize', username: 'Ignored', icon_url: 'https://example.com/b.png' });
    expect(ignored.ok).toBe(true);
    expect(ignored.message?.username).toBeUndefined();
    expect(ignored.message?.icons).toBeUndefined();
  });

  it('keeps bots out of channels they are not in, unless chat:write.public allows posting', async () => {
    const channel = creds.channels['random'] as string;
    await expect(client.conversations.history({ channel })).rejects.toMatchObject({ data: { error: 'not_in_channel' } });
    const noPublic = new WebClient(sandbox.control.issueToken({ kind: 'bot', scopes: ['chat:write'] }), { slackApiUrl: sandbox.apiUrl });
    await expect(noPublic.chat.postMessage({ channel, text: 'x' })).rejects.toMatchObject({ data: { error: 'not_in_channel' } });
    await expect(client.chat.postMessage({ channel, text: 'x' })).resolves.toMatchObject({ ok: true });
  });

  it('opens DMs and group DMs, creates and invites into channels', async () => {
    const users = (await client.users.list({ limit: 200 })).members ?? [];
    const id = (name: string) => users.find((u) => u.name === name)?.id as string;
    const im = await client.conversations.open({ users: id('eng01') });
    const again = await client.conversations.open({ users: id('eng01') });
    expect(again.channel?.id).toBe(im.channel?.id);
    const mpim = await client.conversations.open({ users: [id('eng01'), id('eng02')].join(','), return_im: true });
    expect(mpim.channel).toMatchObject({ is_mpim: true });
    await expect(client.conversations.open({ users: Array.from({ length: 9 }, (_, i) => id(`eng0${(i % 9) + 1}`)).join(',') })).rejects.toMatchObject({ data: { error: 'too_many_users' } });

    const created = await client.conversations.create({ name: 'bridge-test' });
    const channel = created.channel?.id as string;
    await expect(client.conversations.create({ name: 'bridge-test' })).rejects.toMatchObject({ data: { error: 'name_taken' } });
    await expect(client.conversations.create({ name: 'Bad Name!' })).rejects.toMatchObject({ data: { error: 'invalid_name_specials' } });
    await client.conversations.invite({ channel, users: `${id('eng01')},${id('eng02')}` });
    await client.conversations.invite({ channel, users: [id('eng03')] as unknown as string }); // arrays arrive JSON-encoded
    await expect(client.conversations.invite({ channel, users: id('eng01') })).rejects.toMatchObject({ data: { error: 'already_in_channel' } });
    const info = await client.conversations.info({ channel });
    expect(info.channel).toMatchObject({ name: 'bridge-test', is_channel: true, is_member: true, num_members: 4 });
    const members = await client.conversations.members({ channel });
    expect(members.members).toHaveLength(4);
  });

  it('uploads a file through files.uploadV2 (getUploadURLExternal, upload_url, completeUploadExternal)', async () => {
    const channel = creds.channels['general'] as string;
    const result = (await client.filesUploadV2({ channel_id: channel, content: 'hello file', filename: 'hello.txt', title: 'Hello', initial_comment: 'a file' })) as unknown as {
      ok: boolean;
      files: Array<{ files: Array<{ id: string; size: number; title: string }> }>;
    };
    expect(result.ok).toBe(true);
    const file = result.files[0]?.files[0];
    expect(file).toMatchObject({ size: 10, title: 'Hello' });
    expect(sandbox.state.files.get(file?.id as string)?.bytes?.toString()).toBe('hello file');
    const last = sandbox.inspect.messages(channel).at(-1);
    expect(last).toMatchObject({ text: 'a file', files: [{ id: file?.id }] });
  });

  it('throws a rate-limited error with retryAfter when rejectRateLimitedCalls is set', async () => {
    // Real time: at 0.1 a token came back every 100 ms, and a busy machine spread the six calls past that.
    sandbox.setLimits({ enabled: true, timeScale: 1 });
    const strict = new WebClient(creds.botToken, { slackApiUrl: sandbox.apiUrl, rejectRateLimitedCalls: true });
    const channel = creds.channels['general'] as string;
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => strict.chat.postMessage({ channel, text: `burst ${i}` })));
    const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as WebAPIRateLimitedError);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3); // the burst allowance
    expect(rejected.length).toBe(3);
    expect(rejected[0]?.code).toBe(ErrorCode.RateLimitedError);
    expect(rejected[0]?.retryAfter).toBe(1); // whole seconds, at least 1
  });

  it('limits chat.postMessage across channels too (the workspace-wide limit), per app, with 429 and Retry-After', async () => {
    sandbox.setLimits({ enabled: true, timeScale: 1, postsPerMinute: 4 });
    const strict = new WebClient(creds.botToken, { slackApiUrl: sandbox.apiUrl, rejectRateLimitedCalls: true });
    const people = [...sandbox.state.users.values()].filter((u) => !u.isBot && !u.deleted).slice(0, 5);
    // One post to each of five DMs: no channel is over its own pace, the fifth is over the app's workspace limit.
    const outcomes = await Promise.allSettled(people.map((p) => strict.chat.postMessage({ channel: p.id, text: 'notice' })));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(4);
    const refused = outcomes.findIndex((o) => o.status === 'rejected');
    expect((outcomes[refused] as PromiseRejectedResult).reason).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: expect.any(Number) });
    // Another app's posts have their own budget, and the refused channel's own pace was not spent by the refusal.
    const other = sandbox.state.addApp(creds.teamId, 'Other');
    const otherClient = new WebClient(other.botToken.token, { slackApiUrl: sandbox.apiUrl, rejectRateLimitedCalls: true });
    const target = people[refused]?.id as string;
    for (let i = 0; i < 3; i++) await expect(otherClient.chat.postMessage({ channel: target, text: `mine ${i}` })).resolves.toMatchObject({ ok: true });
  });

  it('by default waits Retry-After and retries, so the call succeeds', async () => {
    // Half-speed time: a token comes back every 1.5 s, so the 20 quick calls cannot outrun the refill on a busy machine.
    sandbox.setLimits({ enabled: true, timeScale: 0.5 });
    const patient = new WebClient(creds.botToken, { slackApiUrl: sandbox.apiUrl });
    const limited: number[] = [];
    patient.on(WebClientEvent.RATE_LIMITED, (seconds: number) => limited.push(seconds));
    for (let i = 0; i < 20; i++) await patient.users.list({ limit: 1 }); // tier 2: 20 per (scaled) minute
    const started = Date.now();
    const result = await patient.users.list({ limit: 1 });
    expect(result.ok).toBe(true);
    expect(limited).toHaveLength(1);
    expect([1, 2]).toContain(limited[0]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});

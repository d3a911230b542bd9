import { createHmac } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import { startEventReceiver, startSlackSandbox, type EventReceiver, type ReceivedRequest, type SlackSandbox, type SlackSeedCredentials } from './index';

const event = (r: ReceivedRequest) => r.json['event'] as Record<string, unknown>;
// Deliveries run concurrently (as Slack's do), so arrival order is not emission order; event_ts is.
const inEmissionOrder = (all: ReceivedRequest[]) => [...all].sort((a, b) => Number(event(a)['event_ts']) - Number(event(b)['event_ts']));

describe('Slack sandbox Events API delivery', () => {
  let sandbox: SlackSandbox;
  let receiver: EventReceiver;
  let creds: SlackSeedCredentials;
  let general: string;

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
    receiver.setBehaviour(() => undefined);
    creds = sandbox.seedDemo();
    general = creds.channels['general'] as string;
    expect(await sandbox.control.setEventsUrl({ url: receiver.url })).toBe(true);
  });

  it("with answerDelayMs, sends a post's event before the Web API answers the post (the echo races the answer)", async () => {
    sandbox.setFaults({ answerDelayMs: 300 });
    try {
      const client = new WebClient(creds.botToken, { slackApiUrl: sandbox.apiUrl, retryConfig: { retries: 0 } });
      const posted = await client.chat.postMessage({ channel: general, text: 'racing' });
      const answeredAt = Date.now();
      const [callback] = await receiver.waitForCallbacks(1);
      expect(event(callback as ReceivedRequest)).toMatchObject({ ts: posted.ts, text: 'racing' });
      expect(callback?.at).toBeLessThan(answeredAt);
    } finally {
      sandbox.setFaults({});
    }
  });

  it('verifies the URL with a signed url_verification challenge first', () => {
    const [first] = receiver.received;
    expect(first?.json).toMatchObject({ type: 'url_verification', token: creds.verificationToken, challenge: expect.any(String) });
  });

  it('sends event_callback envelopes signed v0 with the app secret, unique event ids', async () => {
    sandbox.control.post({ as: 'eng01', channel: general, text: 'one' });
    sandbox.control.post({ as: 'eng02', channel: general, text: 'two' });
    const [a, b] = inEmissionOrder(await receiver.waitForCallbacks(2));
    for (const r of [a, b] as ReceivedRequest[]) {
      const timestamp = r.headers['x-slack-request-timestamp'] as string;
      expect(Math.abs(Date.now() / 1000 - Number(timestamp))).toBeLessThan(5);
      const expected = `v0=${createHmac('sha256', creds.signingSecret).update(`v0:${timestamp}:${r.body}`).digest('hex')}`;
      expect(r.headers['x-slack-signature']).toBe(expected);
      expect(r.json).toMatchObject({
        token: creds.verificationToken,
        team_id: creds.teamId,
        api_app_id: creds.appId,
        type: 'event_callback',
        event_id: expect.stringMatching(/^Ev/),
        event_time: expect.any(Number),
        authorizations: [{ team_id: creds.teamId, user_id: creds.botUserId, is_bot: true }],
      });
    }
    expect(a?.json['event_id']).not.toBe(b?.json['event_id']);
    expect(event(a as ReceivedRequest)).toMatchObject({ type: 'message', channel: general, text: 'one', channel_type: 'channel', ts: expect.stringMatching(/^\d+\.\d{6}$/) });
  });

  it('produces exactly Slack\'s events for a person\'s thread reply, edit and delete', async () => {
    const parent = sandbox.control.post({ as: 'eng01', channel: general, text: 'parent' });
    const reply = sandbox.control.reply({ as: 'eng02', channel: general, text: 'reply', threadTs: parent['ts'] as string });
    sandbox.control.edit({ as: 'eng02', channel: general, ts: reply['ts'] as string, text: 'reply v2' });
    sandbox.control.delete({ as: 'eng01', channel: general, ts: parent['ts'] as string });
    const all = inEmissionOrder(await receiver.waitForCallbacks(4)).map(event);
    expect(all).toHaveLength(4);
    expect(all[1]).toMatchObject({ type: 'message', text: 'reply', thread_ts: parent['ts'], parent_user_id: parent['user'] });
    expect(all[2]).toMatchObject({
      type: 'message',
      subtype: 'message_changed',
      hidden: true,
      channel: general,
      message: { text: 'reply v2', ts: reply['ts'], edited: { user: reply['user'] } },
      previous_message: { text: 'reply', ts: reply['ts'] },
    });
    expect(all[3]).toMatchObject({ type: 'message', subtype: 'message_deleted', hidden: true, channel: general, deleted_ts: parent['ts'], previous_message: { text: 'parent' } });
  });

  it('posts by the app arrive as bot_message with bot_id', async () => {
    const res = await fetch(`${sandbox.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${creds.botToken}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: general, text: 'from the app' }),
    });
    expect(await res.json()).toMatchObject({ ok: true });
    const [callback] = await receiver.waitForCallbacks(1);
    expect(event(callback as ReceivedRequest)).toMatchObject({ type: 'message', subtype: 'bot_message', bot_id: creds.botId, text: 'from the app' });
  });

  it('join, leave, profile change, deactivation and upload produce their events', async () => {
    sandbox.control.join({ as: 'eng15', channel: 'engineering' });
    sandbox.control.leave({ as: 'eng15', channel: 'engineering' });
    sandbox.control.changeProfile({ as: 'eng03', displayName: 'Ada L.' });
    sandbox.control.deactivate({ as: 'eng04' });
    sandbox.control.upload({ as: 'eng05', channel: general, filename: 'notes.txt', content: 'abc', initialComment: 'see file' });
    // A busy machine can miss the 500 ms ack window and get a retry: count each event_id once, as a receiver does.
    const unique = () => [...new Map(receiver.callbacks().map((r) => [r.json['event_id'], r])).values()];
    for (let n = 8; unique().length < 8; n++) await receiver.waitForCallbacks(n);
    const types = inEmissionOrder(unique()).map((r) => {
      const e = event(r);
      return e['subtype'] ? `${String(e['type'])}/${String(e['subtype'])}` : String(e['type']);
    });
    expect(types).toEqual([
      'member_joined_channel',
      'message/channel_join',
      'message/channel_leave',
      'member_left_channel',
      'user_change',
      'user_change',
      'message/file_share',
      'file_shared',
    ]);
    const changes = inEmissionOrder(unique()).map(event).filter((e) => e['type'] === 'user_change');
    expect(changes[0]).toMatchObject({ user: { name: 'eng03', profile: { display_name: 'Ada L.' } } });
    expect(changes[1]).toMatchObject({ user: { name: 'eng04', deleted: true } });
  });

  it('sends a file_share message with whole file objects; a client_msg_id only for a file shared in the Slack client', async () => {
    sandbox.control.upload({ as: creds.adminUserId, channel: general, filename: 'typed.png', content: 'x', initialComment: 'from the client' });
    const token = sandbox.control.issueToken({ kind: 'user', as: creds.adminUserId, scopes: ['files:write'] });
    await new WebClient(token, { slackApiUrl: sandbox.apiUrl, retryConfig: { retries: 0 } }).filesUploadV2({ channel_id: general, file: Buffer.from('y'), filename: 'api.txt', initial_comment: 'through the API' });
    const unique = () => [...new Map(receiver.callbacks().map((r) => [r.json['event_id'], r])).values()];
    for (let n = 4; unique().length < 4; n++) await receiver.waitForCallbacks(n);
    const shares = inEmissionOrder(unique()).map(event).filter((e) => e['subtype'] === 'file_share');
    expect(shares).toEqual([
      expect.objectContaining({ text: 'from the client', upload: true, client_msg_id: expect.any(String), files: [expect.objectContaining({ name: 'typed.png', mimetype: 'image/png', url_private: expect.stringContaining(sandbox.url) })] }),
      expect.objectContaining({ text: 'through the API', upload: true, files: [expect.objectContaining({ name: 'api.txt', mimetype: 'text/plain', size: 1 })] }),
    ]);
    expect(shares[1]).not.toHaveProperty('client_msg_id');
  });

  it('retries failed deliveries with X-Slack-Retry-Num / X-Slack-Retry-Reason', async () => {
    receiver.setBehaviour((_, index) => (index < 2 ? { status: 500 } : undefined));
    sandbox.control.post({ as: 'eng01', channel: general, text: 'retry me' });
    const all = await receiver.waitForCallbacks(3);
    expect(all.map((r) => [r.headers['x-slack-retry-num'], r.headers['x-slack-retry-reason']])).toEqual([
      [undefined, undefined],
      ['1', 'http_error'],
      ['2', 'http_error'],
    ]);
    expect(new Set(all.map((r) => r.json['event_id'])).size).toBe(1);
  });

  it('retries with http_timeout when the receiver is slower than the ack timeout, without waiting for it', async () => {
    receiver.setBehaviour((_, index) => (index === 0 ? { delayMs: 1500 } : undefined));
    sandbox.control.post({ as: 'eng01', channel: general, text: 'slow' });
    const all = await receiver.waitForCallbacks(2);
    expect(all[1]?.headers['x-slack-retry-reason']).toBe('http_timeout');
    expect((all[1]?.at ?? 0) - (all[0]?.at ?? 0)).toBeLessThan(1400);
  });

  it('stops after three retries, and at once when told X-Slack-No-Retry', async () => {
    receiver.setBehaviour(() => ({ status: 503 }));
    sandbox.control.post({ as: 'eng01', channel: general, text: 'never acked' });
    await receiver.waitForCallbacks(4);
    await sandbox.eventsIdle();
    expect(receiver.callbacks()).toHaveLength(4);
    receiver.received.length = 0;
    receiver.setBehaviour(() => ({ status: 500, headers: { 'x-slack-no-retry': '1' } }));
    sandbox.control.post({ as: 'eng01', channel: general, text: 'no retry' });
    await receiver.waitForCallbacks(1);
    await sandbox.eventsIdle();
    expect(receiver.callbacks()).toHaveLength(1);
  });

  it('can drop or duplicate deliveries on purpose', async () => {
    sandbox.setFaults({ dropEventRate: 1 });
    sandbox.control.post({ as: 'eng01', channel: general, text: 'lost' });
    await sandbox.eventsIdle();
    expect(receiver.callbacks()).toHaveLength(0);
    expect(sandbox.inspect.events()[0]?.outcome).toBe('dropped');
    sandbox.setFaults({ duplicateEventRate: 1 });
    sandbox.control.post({ as: 'eng01', channel: general, text: 'twice' });
    const [a, b] = await receiver.waitForCallbacks(2);
    expect(a?.json['event_id']).toBe(b?.json['event_id']);
  });

  it('caps events per app per workspace per hour and says so once with app_rate_limited', async () => {
    const capped = await startSlackSandbox({ limits: { enabled: true, eventsPerHour: 3 } });
    const own = await startEventReceiver();
    try {
      const seeded = capped.seedDemo();
      expect(await capped.control.setEventsUrl({ url: own.url })).toBe(true);
      for (let i = 0; i < 6; i++) capped.control.post({ as: 'eng01', channel: seeded.channels['general'] as string, text: `m${i}` });
      await own.waitForCallbacks(3);
      await capped.eventsIdle();
      expect(own.callbacks()).toHaveLength(3);
      const notices = own.received.filter((r) => r.json['type'] === 'app_rate_limited');
      expect(notices).toHaveLength(1);
      expect(notices[0]?.json).toMatchObject({ team_id: seeded.teamId, api_app_id: seeded.appId, minute_rate_limited: expect.any(Number) });
    } finally {
      await capped.stop();
      await own.close();
    }
  });

  it('does not deliver events from conversations the bot is not in', async () => {
    sandbox.control.post({ as: 'eng01', channel: 'random', text: 'bot is not here' });
    sandbox.control.post({ as: 'eng01', channel: general, text: 'bot is here' });
    const [only] = await receiver.waitForCallbacks(1);
    await sandbox.eventsIdle();
    expect(receiver.callbacks()).toHaveLength(1);
    expect(event(only as ReceivedRequest)['text']).toBe('bot is here');
  });
});

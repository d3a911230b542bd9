import net from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import { startSlackSandbox, type SlackSandbox, type SlackSeedCredentials } from './index';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function waitFor<T>(values: T[], count: number, timeoutMs = 5000): Promise<T[]> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (values.length >= count) resolve(values);
      else if (Date.now() - started > timeoutMs) reject(new Error(`waited for ${count}, got ${values.length}`));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

// A real Bolt app (token verification at start, HTTP receiver verifying signatures) talking to the sandbox.
describe('Slack sandbox with @slack/bolt', () => {
  let sandbox: SlackSandbox;
  let creds: SlackSeedCredentials;
  let app: App;
  let port: number;
  const messages: Array<Record<string, unknown>> = [];
  const reactions: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    sandbox = await startSlackSandbox({ limits: { enabled: false }, events: { retryDelaysMs: [20, 20, 20] } });
    creds = sandbox.seedDemo();
    port = await freePort();
    app = new App({ token: creds.botToken, signingSecret: creds.signingSecret, clientOptions: { slackApiUrl: sandbox.apiUrl }, logLevel: LogLevel.ERROR });
    app.message(async ({ message }) => {
      messages.push(message as unknown as Record<string, unknown>);
    });
    app.event('reaction_added', async ({ event }) => {
      reactions.push(event as unknown as Record<string, unknown>);
    });
    await app.start(port);
  });
  afterAll(async () => {
    await app.stop();
    await sandbox.stop();
  });

  it('passes the url_verification handshake of Bolt\'s receiver', async () => {
    await expect(sandbox.control.setEventsUrl({ url: `http://127.0.0.1:${port}/slack/events` })).resolves.toBe(true);
  });

  it('delivers signed events that Bolt verifies and dispatches; Bolt ignores the app\'s own bot_message', async () => {
    const channel = creds.channels['general'] as string;
    const posted = sandbox.control.post({ as: 'eng01', channel, text: 'hello from Slack' });
    sandbox.control.react({ as: 'eng02', channel, ts: posted['ts'] as string, name: 'wave' });
    await app.client.chat.postMessage({ channel, text: 'my own post' });
    await waitFor(messages, 1);
    await waitFor(reactions, 1);
    await sandbox.eventsIdle();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ type: 'message', text: 'hello from Slack', channel, channel_type: 'channel', ts: posted['ts'] });
    expect(reactions[0]).toMatchObject({ reaction: 'wave', item: { type: 'message', channel, ts: posted['ts'] } });
    // All three were acked at the first attempt: the signatures checked out.
    expect(sandbox.inspect.events().every((d) => d.outcome === 'acked' && d.attempt === 0)).toBe(true);
    expect(sandbox.inspect.events({ type: 'message' })).toHaveLength(2);
  });

  it('still hands Bolt the edits of the app\'s own messages (ignoreSelf drops only bot_message posts)', async () => {
    const channel = creds.channels['general'] as string;
    const before = messages.length;
    const own = await app.client.chat.postMessage({ channel, text: 'own, to be edited' });
    await app.client.chat.update({ channel, ts: own.ts as string, text: 'own, edited' });
    await waitFor(messages, before + 1);
    await sandbox.eventsIdle();
    expect(messages.slice(before)).toEqual([expect.objectContaining({ subtype: 'message_changed', message: expect.objectContaining({ text: 'own, edited', bot_id: creds.botId }) })]);
  });

  it('is rejected by Bolt when the signature is wrong, and the sandbox retries with http_error', async () => {
    sandbox.reset();
    const other = sandbox.seedDemo();
    // Same receiver, but the sandbox's app now has a different signing secret than Bolt was given.
    expect(other.signingSecret).toBe(creds.signingSecret); // deterministic seed: same secret again
    const app2 = sandbox.state.apps.get(other.appId);
    if (!app2) throw new Error('no app');
    Object.assign(app2, { signingSecret: 'f'.repeat(32) });
    expect(await sandbox.control.setEventsUrl({ url: `http://127.0.0.1:${port}/slack/events` })).toBe(false);
    app2.eventsUrl = `http://127.0.0.1:${port}/slack/events`;
    const before = messages.length;
    sandbox.control.post({ as: 'eng01', channel: other.channels['general'] as string, text: 'forged' });
    await sandbox.eventsIdle();
    const attempts = sandbox.inspect.events({ type: 'message' });
    expect(attempts.map((a) => [a.attempt, a.status, a.retryReason])).toEqual([
      [0, 401, undefined],
      [1, 401, 'http_error'],
      [2, 401, 'http_error'],
      [3, 401, 'http_error'],
    ]);
    expect(messages.length).toBe(before);
  });
});

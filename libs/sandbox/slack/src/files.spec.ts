import { WebClient, type WebAPIPlatformError } from '@slack/web-api';
import { startSlackSandbox, type SlackSandbox, type SlackSeedCredentials } from './index';

type FileObject = { id: string; name: string; mimetype: string; size: number; url_private: string; url_private_download: string; permalink: string; shares?: Record<string, Record<string, Array<{ ts: string; thread_ts?: string }>>> };
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201ffa2a5b90000000049454e44ae426082', 'hex');

// Files as a connector reads them: files.info (with `shares`), then url_private(_download) with a bearer token.
describe('Slack sandbox files (files.info, url_private with bearer auth)', () => {
  let sandbox: SlackSandbox;
  let creds: SlackSeedCredentials;
  let bot: WebClient;

  beforeAll(async () => {
    sandbox = await startSlackSandbox({ limits: { enabled: false } });
  });
  afterAll(() => sandbox.stop());
  beforeEach(() => {
    sandbox.reset();
    creds = sandbox.seedDemo();
    bot = new WebClient(creds.botToken, { slackApiUrl: sandbox.apiUrl });
  });

  const userClient = (as: string, scopes = ['files:read', 'files:write', 'im:history', 'channels:history']) => new WebClient(sandbox.control.issueToken({ kind: 'user', as, scopes }), { slackApiUrl: sandbox.apiUrl });
  const download = (url: string, token?: string) => fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it('shares a person upload as a file_share message whose files are whole objects, and files.info names the share ts', async () => {
    const general = creds.channels['general'] as string;
    const uploaded = sandbox.control.upload({ as: 'eng05', channel: general, filename: 'diagram.png', content: PNG, initialComment: 'see this' }) as { message: { ts: string } };
    const history = await bot.conversations.history({ channel: general, limit: 1 });
    const message = history.messages?.[0] as unknown as { subtype: string; text: string; ts: string; upload: boolean; files: FileObject[] };
    expect(message).toMatchObject({ subtype: 'file_share', text: 'see this', ts: uploaded.message.ts, upload: true });
    expect(message.files[0]).toMatchObject({ name: 'diagram.png', mimetype: 'image/png', size: PNG.length, url_private: expect.stringContaining('/files-pri/') });

    const info = (await bot.files.info({ file: message.files[0]?.id as string })) as unknown as { file: FileObject };
    expect(info.file.shares?.['public']?.[general]).toEqual([expect.objectContaining({ ts: uploaded.message.ts })]);
    expect(info.file.permalink).toMatch(/^https:\/\/.+\.slack\.com\/files\//);

    const bytes = await download(info.file.url_private_download, creds.botToken);
    expect(bytes.status).toBe(200);
    expect(bytes.headers.get('content-type')).toBe('image/png');
    expect(bytes.headers.get('content-disposition')).toContain('attachment');
    expect(Buffer.from(await bytes.arrayBuffer()).equals(PNG)).toBe(true);
  });

  it('answers a request without a valid bearer token with the sign-in page, not the file', async () => {
    const general = creds.channels['general'] as string;
    const { file } = sandbox.control.upload({ as: creds.adminUserId, channel: general, filename: 'notes.txt', content: 'secret notes' }) as { file: FileObject };
    for (const answer of [await download(file.url_private), await download(file.url_private, 'xoxb-made-up')]) {
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toContain('text/html');
      expect(await answer.text()).not.toContain('secret notes');
    }
    const withoutScope = sandbox.control.issueToken({ kind: 'bot', scopes: ['chat:write'] });
    expect((await download(file.url_private, withoutScope)).status).toBe(404);
    expect(await (await download(file.url_private, creds.botToken)).text()).toBe('secret notes');
  });

  it("keeps a DM's file from the bot, which is not in it, and serves it to a person of the DM with their user token", async () => {
    const dm = sandbox.control.open({ as: 'eng05', with: ['eng06'] });
    const { file } = sandbox.control.upload({ as: 'eng05', channel: dm.id, filename: 'plan.pdf', content: '%PDF-1.4 plan' }) as { file: FileObject };
    await expect(bot.files.info({ file: file.id })).rejects.toMatchObject({ data: { error: 'file_not_found' } } as Partial<WebAPIPlatformError>);
    expect((await download(file.url_private_download, creds.botToken)).status).toBe(404);

    const reader = userClient('eng06');
    const info = (await reader.files.info({ file: file.id })) as unknown as { file: FileObject };
    expect(info.file).toMatchObject({ mimetype: 'application/pdf', size: 13 });
    expect(Object.keys(info.file.shares?.['private'] ?? {})).toEqual([dm.id]);
    const token = sandbox.control.issueToken({ kind: 'user', as: 'eng06', scopes: ['files:read'] });
    expect(await (await download(info.file.url_private_download, token)).text()).toBe('%PDF-1.4 plan');
  });

  it("reads back a user token's filesUploadV2 into a thread through files.info shares (thread_ts), from that person", async () => {
    const dm = sandbox.control.open({ as: 'eng05', with: ['eng06'] });
    const root = sandbox.control.post({ as: 'eng06', channel: dm.id, text: 'send me the file' }) as { ts: string };
    const sender = userClient('eng05');
    const result = (await sender.filesUploadV2({ channel_id: dm.id, thread_ts: root.ts, file: PNG, filename: 'shot.png', initial_comment: 'here' })) as unknown as { files: Array<{ files: FileObject[] }> };
    const id = result.files[0]?.files[0]?.id as string;
    const info = (await sender.files.info({ file: id })) as unknown as { file: FileObject };
    const share = info.file.shares?.['private']?.[dm.id]?.[0];
    expect(share).toMatchObject({ thread_ts: root.ts });
    const reply = sandbox.inspect.messages(dm.id).find((m) => m['ts'] === share?.ts);
    expect(reply).toMatchObject({ subtype: 'file_share', user: sandbox.inspect.users().find((u) => u['name'] === 'eng05')?.['id'], text: 'here', thread_ts: root.ts, files: [expect.objectContaining({ id, name: 'shot.png' })] });
  });

  it('forgets a deleted file: files.info says file_not_found, url_private 404s, the message keeps a tombstone', async () => {
    const general = creds.channels['general'] as string;
    const { file, message } = sandbox.control.upload({ as: creds.adminUserId, channel: general, filename: 'old.txt', content: 'gone soon' }) as { file: FileObject; message: { ts: string } };
    sandbox.control.deleteFile({ as: creds.adminUserId, file: file.id });
    await expect(bot.files.info({ file: file.id })).rejects.toMatchObject({ data: { error: 'file_not_found' } } as Partial<WebAPIPlatformError>);
    expect((await download(file.url_private, creds.botToken)).status).toBe(404);
    expect(sandbox.inspect.messages(general).find((m) => m['ts'] === message.ts)).toMatchObject({ files: [{ id: file.id, mode: 'tombstone' }] });
  });

  it('shares asynchronously when told to: completeUploadExternal answers first, the message and its shares come later', async () => {
    const dm = sandbox.control.open({ as: 'eng05', with: ['eng06'] });
    const sender = userClient('eng05');
    sandbox.setFaults({ shareDelayMs: 150 });
    const result = (await sender.filesUploadV2({ channel_id: dm.id, file: Buffer.from('later'), filename: 'later.txt' })) as unknown as { files: Array<{ files: FileObject[] }> };
    const id = result.files[0]?.files[0]?.id as string;
    expect(((await sender.files.info({ file: id })) as unknown as { file: FileObject }).file.shares).toEqual({});
    expect(sandbox.inspect.messages(dm.id).some((m) => (m['files'] as FileObject[] | undefined)?.some((f) => f.id === id))).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const shares = ((await sender.files.info({ file: id })) as unknown as { file: FileObject }).file.shares;
    const ts = shares?.['private']?.[dm.id]?.[0]?.ts;
    expect(sandbox.inspect.messages(dm.id).find((m) => m['ts'] === ts)).toMatchObject({ subtype: 'file_share', files: [expect.objectContaining({ id })] });
  });
});

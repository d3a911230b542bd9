import { randomBytes } from 'node:crypto';
import { type GraphSandbox, type SeededCredentials, startGraphSandbox } from './index';
import { graphClient, raw, sandboxDispatcher } from './testing/sdk-client';

let sandbox: GraphSandbox;
let creds: SeededCredentials;
let appToken: string;
let members: string[];
const tokenAs = (user: string): string => sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId, as: user });
const shareId = (url: string): string => `u!${Buffer.from(url).toString('base64url')}`;
const guidOf = (eTag: string): string => /\{([0-9A-Fa-f-]{36})\}/.exec(eTag)?.[1] ?? '';

/** A body PUT as the SDK sends bytes (a Buffer passes through; the content type is ours). */
const putBytes = (token: string, path: string, bytes: Buffer, type = 'application/octet-stream') =>
  graphClient(sandbox, token).api(path).header('Content-Type', type).put(bytes);

beforeAll(async () => {
  sandbox = await startGraphSandbox();
});
afterAll(() => sandbox.stop());
beforeEach(async () => {
  sandbox.reset();
  creds = sandbox.seedDemo();
  appToken = sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId });
  const team = await graphClient(sandbox, appToken).api(`/teams/${creds.teamId}/members`).get();
  members = team.value.map((m: { userId: string }) => m.userId);
});

describe('drives: OneDrive and a team library', () => {
  test("a member's OneDrive: PUT root:/path:/content makes the folders and the file; the driveItem has eTag, webUrl and webDavUrl; its content reads back", async () => {
    const [a] = members as [string];
    const client = graphClient(sandbox, tokenAs(a));
    const drive = await client.api('/me/drive').get();
    expect(drive.driveType).toBe('business');
    const bytes = Buffer.from('quarterly numbers\n');
    const item = await putBytes(tokenAs(a), '/me/drive/root:/Microsoft Teams Chat Files/q4.txt:/content', bytes, 'text/plain');
    expect(item).toMatchObject({ name: 'q4.txt', size: bytes.length, file: { mimeType: 'text/plain' }, createdBy: { user: { id: a } }, parentReference: { driveId: drive.id } });
    expect(item.eTag).toMatch(/^"\{[0-9A-F-]{36}\},1"$/);
    expect(item.webDavUrl).toBe(item.webUrl);
    expect(item.webUrl).toMatch(/^https:\/\/.+-my\.sharepoint\.test\/personal\/.+\/Documents\/Microsoft%20Teams%20Chat%20Files\/q4\.txt$/);
    // The same item by id, by path, through /users/{id}/drive and as its content.
    expect((await client.api(`/drives/${drive.id}/items/${item.id}`).get()).name).toBe('q4.txt');
    expect((await client.api(`/users/${a}/drive/root:/Microsoft Teams Chat Files/q4.txt`).get()).id).toBe(item.id);
    const content = await raw(sandbox, `/v1.0/me/drive/items/${item.id}/content`, { token: tokenAs(a) });
    expect(content.status).toBe(200);
    expect(content.text).toBe('quarterly numbers\n');
    // Replacing keeps the item (and its eTag GUID) and bumps the version; rename makes "q4 1.txt".
    const replaced = await putBytes(tokenAs(a), '/me/drive/root:/Microsoft Teams Chat Files/q4.txt:/content', Buffer.from('v2'), 'text/plain');
    expect(replaced.id).toBe(item.id);
    expect(replaced.eTag).toBe(item.eTag.replace(',1"', ',2"'));
    const renamed = await putBytes(tokenAs(a), '/me/drive/root:/Microsoft Teams Chat Files/q4.txt:/content?@microsoft.graph.conflictBehavior=rename', Buffer.from('v3'));
    expect(renamed.name).toBe('q4 1.txt');
    await expect(putBytes(tokenAs(a), '/me/drive/root:/Microsoft Teams Chat Files/q4.txt:/content?@microsoft.graph.conflictBehavior=fail', Buffer.from('x'))).rejects.toMatchObject({ statusCode: 409, code: 'nameAlreadyExists' });
  });

  test("another member cannot write someone's OneDrive; a guest has none; a token without a Files scope is 403", async () => {
    const [a, b] = members as [string, string];
    const drive = await graphClient(sandbox, tokenAs(a)).api('/me/drive').get();
    await expect(putBytes(tokenAs(b), `/drives/${drive.id}/root:/x.txt:/content`, Buffer.from('x'))).rejects.toMatchObject({ statusCode: 403 });
    const invitation = await raw(sandbox, '/v1.0/invitations', { token: appToken, body: { invitedUserEmailAddress: 'guest@slack.example', inviteRedirectUrl: 'https://x.example' } });
    const guestId = invitation.json<{ invitedUser: { id: string } }>().invitedUser.id;
    await expect(graphClient(sandbox, tokenAs(guestId)).api('/me/drive').get()).rejects.toMatchObject({ statusCode: 404 });
    const chatOnly = sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId, as: a, scopes: ['Chat.ReadWrite'] });
    await expect(putBytes(chatOnly, '/me/drive/root:/x.txt:/content', Buffer.from('x'))).rejects.toMatchObject({ statusCode: 403 });
  });

  test("a channel's filesFolder is in the team's library; members write there; the app reads the file through /shares", async () => {
    const [owner, other] = members as [string, string];
    const folder = await graphClient(sandbox, tokenAs(other)).api(`/teams/${creds.teamId}/channels/${creds.generalChannelId}/filesFolder`).get();
    expect(folder).toMatchObject({ name: 'General', folder: { childCount: 0 }, parentReference: { driveType: 'documentLibrary' } });
    const groupDrive = await graphClient(sandbox, tokenAs(owner)).api(`/groups/${creds.teamId}/drive`).get();
    expect(folder.parentReference.driveId).toBe(groupDrive.id);
    const png = randomBytes(2048);
    const item = await putBytes(tokenAs(other), `/drives/${folder.parentReference.driveId}/items/${folder.id}:/plan.png:/content`, png, 'image/png');
    expect(item.webUrl).toMatch(/\.sharepoint\.test\/sites\/.+\/Shared%20Documents\/General\/plan\.png$/);
    const shared = await graphClient(sandbox, appToken).api(`/shares/${shareId(item.webDavUrl)}/driveItem`).get();
    expect(shared).toMatchObject({ id: item.id, size: 2048 });
    const content = await graphClient(sandbox, appToken).api(`/shares/${shareId(item.webDavUrl)}/driveItem/content`).getStream();
    const chunks: Buffer[] = [];
    for await (const chunk of content as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
    expect(Buffer.concat(chunks).equals(png)).toBe(true);
    await expect(graphClient(sandbox, appToken).api(`/shares/${shareId(`${item.webUrl}-gone`)}/driveItem`).get()).rejects.toMatchObject({ statusCode: 404 });
  });

  test("invite shares a OneDrive file with another member: they read it through /shares, which was 403 before", async () => {
    const [a, b] = members as [string, string];
    const item = await putBytes(tokenAs(a), '/me/drive/root:/Microsoft Teams Chat Files/shared.txt:/content', Buffer.from('for b'), 'text/plain');
    const share = `/shares/${shareId(item.webUrl)}/driveItem`;
    await expect(graphClient(sandbox, tokenAs(b)).api(share).get()).rejects.toMatchObject({ statusCode: 403 });
    await expect(graphClient(sandbox, tokenAs(b)).api(`/me/drive/items/${item.id}/invite`).post({ recipients: [{ objectId: a }], roles: ['read'] })).rejects.toMatchObject({ statusCode: 404 });
    const granted = await graphClient(sandbox, tokenAs(a)).api(`/me/drive/items/${item.id}/invite`).post({ recipients: [{ objectId: b }], roles: ['read'], requireSignIn: true, sendInvitation: false });
    expect(granted.value).toEqual([expect.objectContaining({ roles: ['read'], grantedTo: { user: expect.objectContaining({ id: b }) } })]);
    expect((await graphClient(sandbox, tokenAs(b)).api(share).get()).id).toBe(item.id);
    const content = await raw(sandbox, `/v1.0${share}/content`, { token: tokenAs(b) });
    expect(content.text).toBe('for b');
    await expect(graphClient(sandbox, tokenAs(a)).api(`/me/drive/items/${item.id}/invite`).post({ recipients: [{ email: 'nobody@elsewhere.example' }], roles: ['read'] })).rejects.toMatchObject({ statusCode: 400 });
    await expect(graphClient(sandbox, tokenAs(a)).api(`/me/drive/items/${item.id}/invite`).post({ recipients: [], roles: ['read'] })).rejects.toMatchObject({ statusCode: 400 });
  });

  test('createUploadSession takes ordered ranges (multiples of 320 KiB but the last) and makes the item with the last one', async () => {
    const [a] = members as [string];
    const bytes = randomBytes(320 * 1024 * 2 + 1000);
    const session = await graphClient(sandbox, tokenAs(a)).api('/me/drive/root:/Microsoft Teams Chat Files/big.bin:/createUploadSession').post({ item: { '@microsoft.graph.conflictBehavior': 'rename' } });
    expect(session.uploadUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/_upload\//);
    expect(session.nextExpectedRanges).toEqual(['0-']);
    const upload = (from: number, to: number) =>
      fetch(session.uploadUrl, {
        method: 'PUT',
        headers: { 'content-range': `bytes ${from}-${to}/${bytes.length}` },
        body: bytes.subarray(from, to + 1),
        dispatcher: sandboxDispatcher(sandbox.caPem),
      } as unknown as RequestInit);
    const notMultiple = await upload(0, 999);
    expect(notMultiple.status).toBe(400);
    const first = await upload(0, 320 * 1024 - 1);
    expect(first.status).toBe(202);
    expect(((await first.json()) as { nextExpectedRanges: string[] }).nextExpectedRanges).toEqual([`${320 * 1024}-${bytes.length - 1}`]);
    expect((await upload(0, 320 * 1024 - 1)).status).toBe(416);
    expect((await upload(320 * 1024, 320 * 1024 * 2 - 1)).status).toBe(202);
    const last = await upload(320 * 1024 * 2, bytes.length - 1);
    expect(last.status).toBe(201);
    const item = (await last.json()) as { id: string; name: string; size: number };
    expect(item).toMatchObject({ name: 'big.bin', size: bytes.length });
    const content = await fetch(`${sandbox.url}/v1.0/me/drive/items/${item.id}/content`, { headers: { authorization: `Bearer ${tokenAs(a)}` }, dispatcher: sandboxDispatcher(sandbox.caPem) } as unknown as RequestInit);
    expect(Buffer.from(await content.arrayBuffer()).equals(bytes)).toBe(true);
    expect((await upload(0, 320 * 1024 - 1)).status).toBe(404);
  });

  test('an app needs Sites.ReadWrite.All for createUploadSession, as documented', async () => {
    const error = await graphClient(sandbox, appToken).api(`/groups/${creds.teamId}/drive/root:/x.bin:/createUploadSession`).post({}).catch((e) => e);
    expect(error.statusCode).toBe(403);
    expect(error.message).toMatch(/Sites\.ReadWrite\.All/);
  });
});

describe('messages with files', () => {
  test('a channel message with an inline image (hostedContents) and a file by reference, from the sender; GET and hostedContents show them', async () => {
    const [a] = members as [string];
    const client = graphClient(sandbox, tokenAs(a));
    const folder = await client.api(`/teams/${creds.teamId}/channels/${creds.generalChannelId}/filesFolder`).get();
    const file = await putBytes(tokenAs(a), `/drives/${folder.parentReference.driveId}/items/${folder.id}:/spec.pdf:/content`, Buffer.from('%PDF-1.4'), 'application/pdf');
    const id = guidOf(file.eTag);
    const png = randomBytes(1024);
    const sent = await client.api(`/teams/${creds.teamId}/channels/${creds.generalChannelId}/messages`).post({
      body: { contentType: 'html', content: `<p>the spec</p><img src="../hostedContents/1/$value"><attachment id="${id}"></attachment>` },
      hostedContents: [{ '@microsoft.graph.temporaryId': '1', contentBytes: png.toString('base64'), contentType: 'image/png' }],
      attachments: [{ id, contentType: 'reference', contentUrl: file.webDavUrl, name: 'spec.pdf' }],
    });
    expect(sent.from.user.id).toBe(a);
    expect(sent.attachments).toEqual([expect.objectContaining({ id, contentType: 'reference', contentUrl: file.webDavUrl, name: 'spec.pdf' })]);
    const base = `/teams/${creds.teamId}/channels/${encodeURIComponent(creds.generalChannelId)}/messages/${sent.id}`;
    const hosted = await graphClient(sandbox, appToken).api(`${base}/hostedContents`).get();
    expect(hosted.value).toHaveLength(1);
    const image = await raw(sandbox, `/v1.0${base}/hostedContents/${hosted.value[0].id}/$value`, { token: appToken });
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(/src="([^"]+)"/.exec(sent.body.content)?.[1]).toContain(`/hostedContents/${hosted.value[0].id}/$value`);
  });

  test("a person's pasted image through the control API is a hosted content of their message, served as Graph serves one", async () => {
    const [a, b] = members as [string, string];
    const chat = sandbox.control.createChat({ members: [a, b] });
    const png = randomBytes(2048);
    const posted = sandbox.control.post({ as: a, chatId: chat.id, contentType: 'html', content: '<p>look</p><img src="../hostedContents/1/$value">', hostedContents: [{ temporaryId: '1', contentType: 'image/png', bytes: png }] });
    const base = `/chats/${encodeURIComponent(chat.id)}/messages/${String(posted['id'])}`;
    const hosted = await graphClient(sandbox, tokenAs(b)).api(`${base}/hostedContents`).get();
    expect(hosted.value).toHaveLength(1);
    expect((posted['body'] as { content: string }).content).toContain(`/hostedContents/${hosted.value[0].id}/$value`);
    const image = await fetch(`${sandbox.url}/v1.0${base}/hostedContents/${hosted.value[0].id}/$value`, {
      headers: { authorization: `Bearer ${tokenAs(b)}` },
      dispatcher: sandboxDispatcher(sandbox.caPem),
    } as unknown as RequestInit);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer()).equals(png)).toBe(true);
  });

  test('reference attachments are checked: the eTag GUID as id, a file that exists, its tag in the body, every tag an attachment', async () => {
    const [a] = members as [string];
    const client = graphClient(sandbox, tokenAs(a));
    const file = await putBytes(tokenAs(a), '/me/drive/root:/Microsoft Teams Chat Files/a.txt:/content', Buffer.from('a'), 'text/plain');
    const id = guidOf(file.eTag);
    const chat = sandbox.control.createChat({ members: [a, members[1] as string] });
    const post = (body: Record<string, unknown>) => client.api(`/chats/${chat.id}/messages`).post(body).catch((e) => e);
    const html = (content: string) => ({ contentType: 'html', content });
    expect((await post({ body: html(`<attachment id="${newGuidLike()}"></attachment>`), attachments: [{ id: newGuidLike(), contentType: 'reference', contentUrl: file.webDavUrl }] })).statusCode).toBe(400);
    expect((await post({ body: html(`<attachment id="${id}"></attachment>`), attachments: [{ id, contentType: 'reference', contentUrl: `${file.webDavUrl}x` }] })).statusCode).toBe(400);
    expect((await post({ body: html('no tag'), attachments: [{ id, contentType: 'reference', contentUrl: file.webDavUrl }] })).statusCode).toBe(400);
    expect((await post({ body: html(`<attachment id="${id}"></attachment>`) })).statusCode).toBe(400);
    const ok = await post({ body: html(`<attachment id="${id}"></attachment>`), attachments: [{ id, contentType: 'reference', contentUrl: file.webDavUrl, name: 'a.txt' }] });
    expect(ok.statusCode).toBeUndefined();
    expect(ok.attachments[0].id).toBe(id);
  });

  test('a body over 28 KB is 413; a request over 4 MB (hostedContents included) is 413', async () => {
    const [a, b] = members as [string, string];
    const chat = sandbox.control.createChat({ members: [a, b] });
    const client = graphClient(sandbox, tokenAs(a));
    await expect(client.api(`/chats/${chat.id}/messages`).post({ body: { content: 'x'.repeat(28 * 1024 + 1) } })).rejects.toMatchObject({ statusCode: 413 });
    const big = randomBytes(3.1 * 1024 * 1024).toString('base64');
    await expect(
      client.api(`/chats/${chat.id}/messages`).post({ body: { contentType: 'html', content: '<img src="../hostedContents/1/$value">' }, hostedContents: [{ '@microsoft.graph.temporaryId': '1', contentBytes: big, contentType: 'image/png' }] }),
    ).rejects.toMatchObject({ statusCode: 413 });
  });
});

function newGuidLike(): string {
  return '00000000-0000-4000-8000-000000000000';
}

import { type GraphSandbox, type SeededCredentials, startGraphSandbox } from './index';
import { graphClient, raw } from './testing/sdk-client';

let sandbox: GraphSandbox;
let creds: SeededCredentials;
let appToken: string;
let users: string[];
const tokenAs = (user: string): string => sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId, as: user });
const bind = (id: string): string => `https://graph.microsoft.com/v1.0/users('${id}')`;
const member = (id: string) => ({ '@odata.type': '#microsoft.graph.aadUserConversationMember', roles: ['owner'], 'user@odata.bind': bind(id) });

beforeAll(async () => {
  sandbox = await startGraphSandbox();
});
afterAll(() => sandbox.stop());
beforeEach(async () => {
  sandbox.reset();
  creds = sandbox.seedDemo();
  appToken = sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId });
  const list = await graphClient(sandbox, appToken).api('/users').filter("userType eq 'Member'").select('id,accountEnabled').get();
  users = list.value.filter((u: { accountEnabled: boolean }) => u.accountEnabled).map((u: { id: string }) => u.id);
});

describe('chats and chat messages', () => {
  test('creating an existing oneOnOne chat returns it; ids have the Teams shapes', async () => {
    const [a, b] = users as [string, string];
    const client = graphClient(sandbox, tokenAs(a));
    const first = await client.api('/chats').post({ chatType: 'oneOnOne', members: [member(a), member(b)] });
    const again = await client.api('/chats').post({ chatType: 'oneOnOne', members: [member(b), member(a)] });
    expect(first.id).toMatch(/^19:[0-9a-f]+@thread\.v2$/);
    expect(again.id).toBe(first.id);
    const message = await client.api(`/chats/${first.id}/messages`).post({ body: { content: 'hello' } });
    expect(message.id).toMatch(/^\d{13}$/);
    expect(Math.abs(Number(message.id) - Date.now())).toBeLessThan(5000);
    expect(message.from.user.id).toBe(a);
  });

  test('posting a chat message with an app-only token is 403', async () => {
    const [a, b] = users as [string, string];
    const { id } = sandbox.control.createChat({ members: [a, b] });
    const error = await graphClient(sandbox, appToken).api(`/chats/${id}/messages`).post({ body: { content: 'hi' } }).catch((e) => e);
    expect(error.statusCode).toBe(403);
    expect(error.message).toMatch(/import/);
  });

  test('a delegated token without ChatMessage.Send is 403; a non-member is 403', async () => {
    const [a, b, c] = users as [string, string, string];
    const { id } = sandbox.control.createChat({ members: [a, b] });
    const readOnly = sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId, as: a, scopes: ['Chat.Read'] });
    await expect(graphClient(sandbox, readOnly).api(`/chats/${id}/messages`).post({ body: { content: 'x' } })).rejects.toMatchObject({ statusCode: 403 });
    await expect(graphClient(sandbox, tokenAs(c)).api(`/chats/${id}/messages`).post({ body: { content: 'x' } })).rejects.toMatchObject({ statusCode: 403 });
  });

  test('mentions, hostedContents, list, PATCH, softDelete/undo and reactions', async () => {
    const [a, b, c] = users as [string, string, string];
    const client = graphClient(sandbox, tokenAs(a));
    const chat = await client.api('/chats').post({ chatType: 'group', topic: 'deal', members: [member(a), member(b), member(c)] });
    const pixel = Buffer.from('iVBORw0KGgo=', 'base64').toString('base64');
    const sent = await client.api(`/chats/${chat.id}/messages`).post({
      body: { contentType: 'html', content: '<div>hi <at id="0">Bee</at> <img src="../hostedContents/1/$value"></div>' },
      mentions: [{ id: 0, mentionText: 'Bee', mentioned: { user: { id: b, displayName: 'Bee', userIdentityType: 'aadUser' } } }],
      hostedContents: [{ '@microsoft.graph.temporaryId': '1', contentBytes: pixel, contentType: 'image/png' }],
    });
    expect(sent.mentions[0].mentioned.user.id).toBe(b);
    const src = /src="([^"]+)"/.exec(sent.body.content)?.[1] ?? '';
    expect(src).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1\.0\/chats\/.+\/hostedContents\/.+\/\$value$/);
    const image = await raw(sandbox, src.slice(sandbox.url.length), { token: tokenAs(b) });
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    await expect(client.api(`/chats/${chat.id}/messages`).post({ body: { contentType: 'html', content: 'no tag' }, mentions: [{ id: 0, mentionText: 'x', mentioned: { user: { id: b } } }] })).rejects.toMatchObject({ statusCode: 400 });

    const base = `/chats/${chat.id}/messages/${sent.id}`;
    await client.api(base).patch({ body: { contentType: 'text', content: 'edited' } });
    expect((await client.api(base).get()).lastEditedDateTime).not.toBeNull();
    await expect(graphClient(sandbox, tokenAs(b)).api(base).patch({ body: { content: 'not mine' } })).rejects.toMatchObject({ statusCode: 403 });
    await graphClient(sandbox, tokenAs(b)).api(`${base}/setReaction`).post({ reactionType: '👍' });
    expect((await client.api(base).get()).reactions).toEqual([expect.objectContaining({ reactionType: '👍' })]);
    await graphClient(sandbox, tokenAs(b)).api(`${base}/unsetReaction`).post({ reactionType: '👍' });
    await client.api(`/users/${a}${base}/softDelete`).post({});
    const deleted = await client.api(base).get();
    expect(deleted.deletedDateTime).not.toBeNull();
    expect(deleted.body.content).toBe('');
    await client.api(`/users/${a}${base}/undoSoftDelete`).post({});
    expect((await client.api(base).get()).body.content).toBe('edited');

    for (let i = 0; i < 3; i++) await client.api(`/chats/${chat.id}/messages`).post({ body: { content: `m${i}` } });
    const page = await client.api(`/chats/${chat.id}/messages`).top(2).get();
    expect(page.value.map((m: { body: { content: string } }) => m.body.content)).toEqual(['m2', 'm1']);
    const rest = await client.api(page['@odata.nextLink']).get();
    expect(rest.value).toHaveLength(2);
  });

  test('adding a chat member answers 201 with Location and no body', async () => {
    const [a, b, c, d] = users as [string, string, string, string];
    const { id } = sandbox.control.createChat({ members: [a, b, c], chatType: 'group' });
    const response = await raw(sandbox, `/v1.0/chats/${encodeURIComponent(id)}/members`, { token: tokenAs(a), body: member(d) });
    expect(response.status).toBe(201);
    expect(response.text).toBe('');
    expect(response.headers.get('location')).toMatch(/\/chats\/.+\/members\/.+/);
  });
});

describe('teams, channels and members', () => {
  test('channel messages and replies; ids have the channel shape', async () => {
    const owner = users[0] as string;
    const client = graphClient(sandbox, tokenAs(owner));
    const channels = await client.api(`/teams/${creds.teamId}/channels`).get();
    expect(channels.value[0].id).toMatch(/^19:[0-9a-f]+@thread\.tacv2$/);
    const base = `/teams/${creds.teamId}/channels/${creds.generalChannelId}/messages`;
    const root = await client.api(base).post({ body: { content: 'root' } });
    const reply = await graphClient(sandbox, tokenAs(users[1] as string)).api(`${base}/${root.id}/replies`).post({ body: { content: 'reply' } });
    expect(reply.replyToId).toBe(root.id);
    const replies = await client.api(`${base}/${root.id}/replies`).get();
    expect(replies.value.map((m: { id: string }) => m.id)).toEqual([reply.id]);
    await expect(graphClient(sandbox, appToken).api(base).post({ body: { content: 'app' } })).rejects.toMatchObject({ statusCode: 403 });
  });

  test('a guest can be added to a team with a delegated owner token, never with an app token', async () => {
    const invitation = await raw(sandbox, '/v1.0/invitations', { token: appToken, body: { invitedUserEmailAddress: 'g@slack.example', inviteRedirectUrl: 'https://x.example' } });
    const guestId = invitation.json<{ invitedUser: { id: string } }>().invitedUser.id;
    const body = { '@odata.type': '#microsoft.graph.aadUserConversationMember', roles: ['guest'], 'user@odata.bind': bind(guestId) };
    const refused = await raw(sandbox, `/v1.0/teams/${creds.teamId}/members`, { token: appToken, body });
    expect(refused.status).toBe(403);
    expect(refused.json()).toMatchObject({ error: { code: 'Forbidden' } });
    const added = await graphClient(sandbox, tokenAs(users[0] as string)).api(`/teams/${creds.teamId}/members`).post(body);
    expect(added.roles).toEqual(['guest']);
    const members = await graphClient(sandbox, appToken).api(`/teams/${creds.teamId}/members`).get();
    expect(members.value.some((m: { userId: string }) => m.userId === guestId)).toBe(true);
  });
});

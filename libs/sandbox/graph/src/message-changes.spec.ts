import { type GraphSandbox, type SeededCredentials, startGraphSandbox } from './index';
import { Receiver } from './testing/notification-receiver';
import { graphClient, raw } from './testing/sdk-client';

// Edits, deletes, quotes and catch-up listing, through the official SDK where Graph is the API surface.
let sandbox: GraphSandbox;
let creds: SeededCredentials;
let receiver: Receiver;
let people: string[];
const tokenAs = (user: string, scopes?: string[]): string => sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId, as: user, ...(scopes ? { scopes } : {}) });
const appToken = (roles?: string[]): string => sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId, ...(roles ? { roles } : {}) });
const inMinutes = (minutes: number): string => new Date(Date.now() + minutes * 60_000).toISOString();
const idOf = async (upn: string): Promise<string> => (await graphClient(sandbox, appToken()).api(`/users/${upn}`).select('id').get()).id;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  sandbox = await startGraphSandbox({ limits: { enabled: false } });
  receiver = new Receiver();
  await receiver.start();
});
afterAll(async () => {
  await sandbox.stop();
  await receiver.stop();
});
beforeEach(async () => {
  await sandbox.inspect.notificationsIdle();
  sandbox.reset();
  creds = sandbox.seedDemo();
  people = Object.keys(creds.passwords);
  receiver.received.length = 0;
});

/** A guest of the customer tenant, invited as Parley invites them. */
async function inviteGuest(email: string): Promise<string> {
  const invitation = await raw(sandbox, '/v1.0/invitations', { token: appToken(), body: { invitedUserEmailAddress: email, inviteRedirectUrl: 'https://x.example' } });
  return invitation.json<{ invitedUser: { id: string } }>().invitedUser.id;
}

describe('edit and delete: the delegated sender only', () => {
  test('PATCH: the sender edits; another member is 403; an application may change policyViolation alone', async () => {
    const [a, b] = people as [string, string];
    const { id: chatId } = sandbox.control.createChat({ members: [a, b] });
    const sent = await graphClient(sandbox, tokenAs(a)).api(`/chats/${chatId}/messages`).post({ body: { content: 'draft' } });
    const path = `/chats/${chatId}/messages/${sent.id}`;
    await graphClient(sandbox, tokenAs(a)).api(path).patch({ body: { contentType: 'text', content: 'final' } });
    expect((await graphClient(sandbox, tokenAs(b)).api(path).get()).body.content).toBe('final');
    await expect(graphClient(sandbox, tokenAs(b)).api(path).patch({ body: { content: 'not mine' } })).rejects.toMatchObject({ statusCode: 403 });

    // Application: without the policy-violation permission, 403; with it, only policyViolation may change.
    await expect(graphClient(sandbox, appToken()).api(path).patch({ policyViolation: { verdictDetails: 'allowOverrideWithoutJustification' } })).rejects.toMatchObject({ statusCode: 403 });
    const policyApp = graphClient(sandbox, appToken(['Chat.UpdatePolicyViolation.All']));
    await expect(policyApp.api(path).patch({ body: { content: 'app edit' } })).rejects.toMatchObject({ statusCode: 403 });
    await expect(policyApp.api(path).patch({ body: { content: 'app edit' }, policyViolation: { dlpAction: 'BlockAccess' } })).rejects.toMatchObject({ statusCode: 403 });
    await policyApp.api(path).patch({ policyViolation: { dlpAction: 'BlockAccess', verdictDetails: 'none' } });
    const read = await graphClient(sandbox, tokenAs(a)).api(path).get();
    expect(read.policyViolation).toEqual({ dlpAction: 'BlockAccess', verdictDetails: 'none' });
    expect(read.body.content).toBe('final');
    // A delegated caller cannot set it.
    await expect(graphClient(sandbox, tokenAs(a)).api(path).patch({ policyViolation: null })).rejects.toMatchObject({ statusCode: 403 });
  });

  test('chat softDelete lives at /users/{userId}/chats/{chatId}/messages/{id}/softDelete, for the sender only', async () => {
    const [a, b] = people as [string, string];
    const { id: chatId } = sandbox.control.createChat({ members: [a, b] });
    const sent = await graphClient(sandbox, tokenAs(a)).api(`/chats/${chatId}/messages`).post({ body: { content: 'oops' } });
    // The undocumented chat path is not served.
    expect((await raw(sandbox, `/v1.0/chats/${encodeURIComponent(chatId)}/messages/${sent.id}/softDelete`, { token: tokenAs(a), body: {} })).status).toBe(400);
    // Through another user's path, or as another member, or with an app token: 403.
    await expect(graphClient(sandbox, tokenAs(a)).api(`/users/${b}/chats/${chatId}/messages/${sent.id}/softDelete`).post({})).rejects.toMatchObject({ statusCode: 403 });
    await expect(graphClient(sandbox, tokenAs(b)).api(`/users/${b}/chats/${chatId}/messages/${sent.id}/softDelete`).post({})).rejects.toMatchObject({ statusCode: 403 });
    await expect(graphClient(sandbox, appToken()).api(`/users/${a}/chats/${chatId}/messages/${sent.id}/softDelete`).post({})).rejects.toMatchObject({ statusCode: 403 });
    await graphClient(sandbox, tokenAs(a)).api(`/users/${a}/chats/${chatId}/messages/${sent.id}/softDelete`).post({});
    expect((await graphClient(sandbox, tokenAs(b)).api(`/chats/${chatId}/messages/${sent.id}`).get()).deletedDateTime).not.toBeNull();
    await graphClient(sandbox, tokenAs(a)).api(`/users/${a}/chats/${chatId}/messages/${sent.id}/undoSoftDelete`).post({});
    expect((await graphClient(sandbox, tokenAs(b)).api(`/chats/${chatId}/messages/${sent.id}`).get()).body.content).toBe('oops');
  });

  test('channel softDelete of a reply at .../messages/{m}/replies/{r}/softDelete', async () => {
    const [a, b] = people as [string, string];
    const base = `/teams/${creds.teamId}/channels/${creds.generalChannelId}/messages`;
    const root = await graphClient(sandbox, tokenAs(a)).api(base).post({ body: { content: 'root' } });
    const reply = await graphClient(sandbox, tokenAs(b)).api(`${base}/${root.id}/replies`).post({ body: { content: 'reply' } });
    await expect(graphClient(sandbox, tokenAs(a)).api(`${base}/${root.id}/replies/${reply.id}/softDelete`).post({})).rejects.toMatchObject({ statusCode: 403 });
    await graphClient(sandbox, tokenAs(b)).api(`${base}/${root.id}/replies/${reply.id}/softDelete`).post({});
    expect((await graphClient(sandbox, tokenAs(a)).api(`${base}/${root.id}/replies/${reply.id}`).get()).deletedDateTime).not.toBeNull();
  });

  test("the tenant's guest messaging policy refuses guests' edits and deletes with Graph's error shape", async () => {
    const member = people[0] as string;
    const guest = await inviteGuest('ada@slack.example');
    const { id: chatId } = sandbox.control.createChat({ members: [member, guest] });
    const guestClient = graphClient(sandbox, tokenAs(guest));
    const first = await guestClient.api(`/chats/${chatId}/messages`).post({ body: { content: 'from a guest' } });
    const second = await guestClient.api(`/chats/${chatId}/messages`).post({ body: { content: 'another' } });
    // Allowed by default, as in Teams.
    await guestClient.api(`/chats/${chatId}/messages/${first.id}`).patch({ body: { content: 'edited by the guest' } });

    expect(sandbox.control.setGuestMessagingPolicy({ tenantId: creds.customerTenantId, allowUserEditMessage: false })).toEqual({ allowUserEditMessage: false, allowUserDeleteMessage: true });
    const refused = await raw(sandbox, `/v1.0/chats/${encodeURIComponent(chatId)}/messages/${first.id}`, { method: 'PATCH', token: tokenAs(guest), body: { body: { content: 'again' } } });
    expect(refused.status).toBe(403);
    expect(refused.json()).toMatchObject({ error: { code: 'Forbidden', message: expect.stringContaining('AllowUserEditMessage'), innerError: { 'request-id': expect.any(String) } } });
    // The Teams client obeys the same policy.
    expect(() => sandbox.control.edit({ as: guest, chatId, messageId: first.id, content: 'via Teams' })).toThrow(/AllowUserEditMessage/);
    // Deleting is still allowed; members are not concerned.
    await guestClient.api(`/users/${guest}/chats/${chatId}/messages/${second.id}/softDelete`).post({});
    const mine = await graphClient(sandbox, tokenAs(member)).api(`/chats/${chatId}/messages`).post({ body: { content: 'member' } });
    await graphClient(sandbox, tokenAs(member)).api(`/chats/${chatId}/messages/${mine.id}`).patch({ body: { content: 'member edit' } });

    sandbox.control.setGuestMessagingPolicy({ tenantId: creds.customerTenantId, allowUserDeleteMessage: false });
    await expect(guestClient.api(`/users/${guest}/chats/${chatId}/messages/${first.id}/softDelete`).post({})).rejects.toMatchObject({ statusCode: 403, code: 'Forbidden' });
    await expect(guestClient.api(`/users/${guest}/chats/${chatId}/messages/${second.id}/undoSoftDelete`).post({})).rejects.toMatchObject({ statusCode: 403 });
    // Also settable over the HTTP control API.
    const control = await raw(sandbox, '/_control/setGuestMessagingPolicy', { body: { tenantId: creds.customerTenantId, allowUserEditMessage: true, allowUserDeleteMessage: true } });
    expect(control.json()).toMatchObject({ ok: true, result: { allowUserEditMessage: true, allowUserDeleteMessage: true } });
    await guestClient.api(`/users/${guest}/chats/${chatId}/messages/${first.id}/softDelete`).post({});
  });

  test('edits and deletes through Graph notify updated and deleted, as posts notify created', async () => {
    const [a, b] = people as [string, string];
    const { id: chatId } = sandbox.control.createChat({ members: [a, b] });
    await graphClient(sandbox, tokenAs(b)).api('/subscriptions').post({
      changeType: 'created,updated,deleted',
      notificationUrl: `${receiver.url}/notify`,
      resource: `/chats/${chatId}/messages`,
      expirationDateTime: inMinutes(50),
      clientState: 'watch',
    });
    const client = graphClient(sandbox, tokenAs(a));
    const sent = await client.api(`/chats/${chatId}/messages`).post({ body: { content: 'v1' } });
    await client.api(`/chats/${chatId}/messages/${sent.id}`).patch({ body: { content: 'v2' } });
    await client.api(`/users/${a}/chats/${chatId}/messages/${sent.id}/softDelete`).post({});
    const received = await receiver.waitFor(3);
    expect(received.map((r) => r.body.value[0]?.['changeType'])).toEqual(['created', 'updated', 'deleted']);
    expect(received.every((r) => r.body.value[0]?.['resource'] === `chats('${chatId}')/messages('${sent.id}')`)).toBe(true);
  });
});

describe('replyWithQuote', () => {
  test('a reply quoting a message holds <attachment id> in its HTML body and a messageReference attachment, and notifies like a post', async () => {
    const [a, b] = people as [string, string];
    const { id: chatId } = sandbox.control.createChat({ members: [a, b] });
    await graphClient(sandbox, tokenAs(a)).api('/subscriptions').post({ changeType: 'created', notificationUrl: `${receiver.url}/notify`, resource: `/chats/${chatId}/messages`, expirationDateTime: inMinutes(50) });
    const quoted = await graphClient(sandbox, tokenAs(b)).api(`/chats/${chatId}/messages`).post({ body: { contentType: 'html', content: '<p>Lunch <b>at noon</b>?</p>' } });
    const reply = await graphClient(sandbox, tokenAs(a))
      .api(`/chats/${chatId}/messages/replyWithQuote`)
      .post({ messageIds: [quoted.id], replyMessage: { body: { content: 'Yes <3' } } });
    expect(reply.from.user.id).toBe(await idOf(a));
    expect(reply.body.contentType).toBe('html');
    expect(reply.body.content).toContain(`<attachment id="${quoted.id}"></attachment>`);
    expect(reply.body.content).toContain('Yes &lt;3');
    expect(reply.attachments).toHaveLength(1);
    expect(reply.attachments[0]).toMatchObject({ id: quoted.id, contentType: 'messageReference', contentUrl: null });
    expect(JSON.parse(reply.attachments[0].content)).toEqual({
      messageId: quoted.id,
      messagePreview: 'Lunch at noon?',
      messageSender: { application: null, device: null, user: { userIdentityType: 'aadUser', tenantId: creds.customerTenantId, id: await idOf(b), displayName: expect.any(String) } },
    });
    expect((await graphClient(sandbox, tokenAs(b)).api(`/chats/${chatId}/messages/${reply.id}`).get()).attachments[0].contentType).toBe('messageReference');
    const received = await receiver.waitFor(2);
    expect(received[1]?.body.value[0]).toMatchObject({ changeType: 'created', resource: `chats('${chatId}')/messages('${reply.id}')` });
  });

  test('delegated ChatMessage.Send only; at most 10 quoted messages, each in the chat', async () => {
    const [a, b] = people as [string, string];
    const { id: chatId } = sandbox.control.createChat({ members: [a, b] });
    const quoted = sandbox.control.post({ as: b, chatId, content: 'q' });
    const body = { messageIds: [quoted['id']], replyMessage: { body: { content: 'r' } } };
    await expect(graphClient(sandbox, appToken()).api(`/chats/${chatId}/messages/replyWithQuote`).post(body)).rejects.toMatchObject({ statusCode: 403 });
    await expect(graphClient(sandbox, tokenAs(a, ['Chat.ReadWrite'])).api(`/chats/${chatId}/messages/replyWithQuote`).post(body)).rejects.toMatchObject({ statusCode: 403 });
    const client = graphClient(sandbox, tokenAs(a));
    await expect(client.api(`/chats/${chatId}/messages/replyWithQuote`).post({ ...body, messageIds: Array.from({ length: 11 }, () => quoted['id']) })).rejects.toMatchObject({ statusCode: 400 });
    await expect(client.api(`/chats/${chatId}/messages/replyWithQuote`).post({ ...body, messageIds: ['1234567890123'] })).rejects.toMatchObject({ statusCode: 404 });
    await expect(client.api(`/chats/${chatId}/messages/replyWithQuote`).post({ messageIds: [quoted['id']] })).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe('catch-up listing', () => {
  test('$orderby=lastModifiedDateTime desc with $filter gt returns what changed since, paged by absolute https nextLinks', async () => {
    const [a, b] = people as [string, string];
    const { id: chatId } = sandbox.control.createChat({ members: [a, b] });
    const m1 = sandbox.control.post({ as: a, chatId, content: 'one' });
    await pause(5);
    sandbox.control.post({ as: b, chatId, content: 'two' });
    await pause(5);
    const since = new Date().toISOString();
    await pause(5);
    const m3 = sandbox.control.post({ as: a, chatId, content: 'three' });
    await pause(5);
    sandbox.control.edit({ as: a, chatId, messageId: m1['id'] as string, content: 'one, edited' });
    await pause(5);
    const m4 = sandbox.control.post({ as: b, chatId, content: 'four' });
    await pause(5);
    sandbox.control.react({ as: b, chatId, messageId: m3['id'] as string, reactionType: '👍' });

    const client = graphClient(sandbox, tokenAs(a));
    const first = await client.api(`/chats/${chatId}/messages`).query({ $orderby: 'lastModifiedDateTime desc', $filter: `lastModifiedDateTime gt ${since}` }).top(2).get();
    expect(first.value.map((m: { id: string }) => m.id)).toEqual([m3['id'], m4['id']]);
    expect(first['@odata.nextLink']).toMatch(new RegExp(`^${sandbox.graphUrl.replace(/[.]/g, '\\.')}/chats/`));
    const second = await client.api(first['@odata.nextLink']).get();
    expect(second.value.map((m: { id: string }) => m.id)).toEqual([m1['id']]);
    expect(second['@odata.nextLink']).toBeUndefined();
    // The reacted message comes back with its reactions.
    const reacted = await client.api(`/chats/${chatId}/messages/${m3['id']}`).get();
    expect(reacted.reactions).toEqual([expect.objectContaining({ reactionType: '👍', user: expect.objectContaining({ user: expect.objectContaining({ id: await idOf(b) }) }) })]);

    // Default order is lastModifiedDateTime desc; a filter without the matching $orderby is ignored, as documented.
    const all = await client.api(`/chats/${chatId}/messages`).filter(`lastModifiedDateTime gt ${since}`).get();
    expect(all.value.map((m: { id: string }) => m.id)).toEqual([m3['id'], m4['id'], m1['id'], expect.any(String)]);
    // createdDateTime takes lt only; ascending order is not supported.
    const older = await client.api(`/chats/${chatId}/messages`).query({ $orderby: 'createdDateTime desc', $filter: `createdDateTime lt ${since}` }).get();
    expect(older.value.map((m: { body: { content: string } }) => m.body.content)).toEqual(['two', 'one, edited']);
    await expect(client.api(`/chats/${chatId}/messages`).query({ $orderby: 'createdDateTime desc', $filter: `createdDateTime gt ${since}` }).get()).rejects.toMatchObject({ statusCode: 400 });
    await expect(client.api(`/chats/${chatId}/messages`).orderby('lastModifiedDateTime asc').get()).rejects.toMatchObject({ statusCode: 400 });
    await expect(client.api(`/chats/${chatId}/messages`).top(51).get()).rejects.toMatchObject({ statusCode: 400 });
  });

  test('paging is stable when a message changes between pages', async () => {
    const [a, b] = people as [string, string];
    const { id: chatId } = sandbox.control.createChat({ members: [a, b] });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(sandbox.control.post({ as: a, chatId, content: `m${i}` })['id'] as string);
      await pause(3);
    }
    const client = graphClient(sandbox, tokenAs(a));
    const first = await client.api(`/chats/${chatId}/messages`).top(2).get();
    expect(first.value.map((m: { id: string }) => m.id)).toEqual([ids[4], ids[3]]);
    // Editing a message already seen moves it to the top; the next page still continues where the first ended.
    sandbox.control.edit({ as: a, chatId, messageId: ids[4] as string, content: 'edited' });
    const second = await client.api(first['@odata.nextLink']).get();
    expect(second.value.map((m: { id: string }) => m.id)).toEqual([ids[2], ids[1]]);
  });
});

import { type GraphSandbox, type SeededCredentials, startGraphSandbox } from './index';
import { graphClient, raw } from './testing/sdk-client';
import { Receiver, decrypt, subscriberCertificate } from './testing/notification-receiver';

let sandbox: GraphSandbox;
let creds: SeededCredentials;
let receiver: Receiver;
let appToken: string;
/** UPNs; the first is the team's owner, the others plain members. */
let people: string[];
const inMinutes = (minutes: number): string => new Date(Date.now() + minutes * 60_000).toISOString();
const bind = (idOrUpn: string): string => `https://graph.microsoft.com/v1.0/users('${idOrUpn}')`;
const member = (idOrUpn: string, roles: string[] = []) => ({ '@odata.type': '#microsoft.graph.aadUserConversationMember', roles, 'user@odata.bind': bind(idOrUpn) });
const tokenAs = (upn: string): string => sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId, as: upn });
/** An app token that also holds Channel.Create (the seeded app creates channels as the team owner, delegated). */
const channelCreatingApp = (): string => sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId, roles: ['Channel.Create', 'Channel.ReadBasic.All', 'ChannelMember.Read.All', 'ChannelMessage.Read.All'] });

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
  appToken = sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId });
  people = Object.keys(creds.passwords);
  receiver.received.length = 0;
});

describe('POST /teams/{id}/channels', () => {
  test('the team owner creates a standard channel: 201 with the channel, listed with the team', async () => {
    const owner = graphClient(sandbox, tokenAs(people[0] as string));
    const created = await owner.api(`/teams/${creds.teamId}/channels`).post({ displayName: 'Architecture', description: 'plans', membershipType: 'standard' });
    expect(created).toMatchObject({ displayName: 'Architecture', description: 'plans', membershipType: 'standard' });
    expect(created.id).toMatch(/^19:[0-9a-f]{32}@thread\.tacv2$/);
    expect(created['@odata.context']).toBe(`${sandbox.url}/v1.0/$metadata#teams('${creds.teamId}')/channels/$entity`);
    const listed = await graphClient(sandbox, appToken).api(`/teams/${creds.teamId}/channels`).get();
    expect(listed.value.map((c: { displayName: string }) => c.displayName)).toEqual(['General', 'Architecture']);
    // Every team member reads and posts in a standard channel.
    const posted = await graphClient(sandbox, tokenAs(people[1] as string)).api(`/teams/${creds.teamId}/channels/${created.id}/messages`).post({ body: { content: 'hi' } });
    expect(posted.channelIdentity).toEqual({ teamId: creds.teamId, channelId: created.id });
  });

  test('a name taken in the team (whatever its case) is 400 NameAlreadyExists; bad names are 400', async () => {
    const create = (displayName: string) => raw(sandbox, `/v1.0/teams/${creds.teamId}/channels`, { token: tokenAs(people[0] as string), body: { displayName } });
    expect((await create('Launch')).status).toBe(201);
    const taken = await create('launch');
    expect(taken.status).toBe(400);
    expect(taken.json()).toMatchObject({ error: { code: 'NameAlreadyExists', message: expect.stringContaining('Channel name already existed') } });
    expect((await create('general')).json()).toMatchObject({ error: { code: 'NameAlreadyExists' } });
    expect((await create('x'.repeat(51))).status).toBe(400);
    expect((await create('a/b')).status).toBe(400);
    expect((await create('   ')).status).toBe(400);
    expect((await create('x'.repeat(50))).status).toBe(201);
  });

  test('needs Channel.Create; a delegated caller must be in the team', async () => {
    const refused = await raw(sandbox, `/v1.0/teams/${creds.teamId}/channels`, { token: appToken, body: { displayName: 'Nope' } });
    expect(refused.status).toBe(403);
    expect(refused.json()).toMatchObject({ error: { code: 'Authorization_RequestDenied' } });
    const outsider = sandbox.control.createAccount({ tenantId: creds.customerTenantId, mailNickname: 'outsider', displayName: 'Outsider', password: 'Outsider-passw0rd!' });
    const notInTeam = await raw(sandbox, `/v1.0/teams/${creds.teamId}/channels`, { token: tokenAs(outsider.id), body: { displayName: 'Nope' } });
    expect(notInTeam.status).toBe(403);
    expect((await raw(sandbox, `/v1.0/teams/${creds.teamId}/channels`, { token: channelCreatingApp(), body: { displayName: 'App made' } })).status).toBe(201);
  });

  test('a private channel: the delegated creator becomes its owner; only its members see it and its messages', async () => {
    const [ownerUpn, insider, outsider] = people as [string, string, string];
    const owner = graphClient(sandbox, tokenAs(ownerUpn));
    const created = await owner.api(`/teams/${creds.teamId}/channels`).post({ displayName: 'Secret', membershipType: 'private', members: [member(insider)] });
    expect(created.membershipType).toBe('private');
    const members = await graphClient(sandbox, appToken).api(`/teams/${creds.teamId}/channels/${created.id}/members`).get();
    const roles = Object.fromEntries(members.value.map((m: { userId: string; roles: string[] }) => [m.userId, m.roles]));
    const ownerId = (await owner.api('/me').get()).id as string;
    expect(roles[ownerId]).toEqual(['owner']);
    expect(Object.keys(roles)).toHaveLength(2);

    const base = `/teams/${creds.teamId}/channels/${created.id}/messages`;
    const root = await graphClient(sandbox, tokenAs(insider)).api(base).post({ body: { content: 'for us' } });
    const stranger = graphClient(sandbox, tokenAs(outsider));
    await expect(stranger.api(base).get()).rejects.toMatchObject({ statusCode: 403 });
    await expect(stranger.api(`${base}/${root.id}/replies`).post({ body: { content: 'me too' } })).rejects.toMatchObject({ statusCode: 403 });
    const visible = await stranger.api(`/teams/${creds.teamId}/channels`).get();
    expect(visible.value.map((c: { id: string }) => c.id)).not.toContain(created.id);
    // The app (ChannelMessage.Read.All) reads every channel.
    expect((await graphClient(sandbox, appToken).api(base).get()).value.map((m: { id: string }) => m.id)).toEqual([root.id]);

    // The owner adds a team member; then they see it. A plain member cannot add anyone; a standard channel takes no members.
    await expect(graphClient(sandbox, tokenAs(insider)).api(`/teams/${creds.teamId}/channels/${created.id}/members`).post(member(outsider))).rejects.toMatchObject({ statusCode: 403 });
    const added = await owner.api(`/teams/${creds.teamId}/channels/${created.id}/members`).post(member(outsider));
    expect(added.roles).toEqual([]);
    expect((await stranger.api(base).get()).value).toHaveLength(1);
    await expect(owner.api(`/teams/${creds.teamId}/channels/${creds.generalChannelId}/members`).post(member(outsider))).rejects.toMatchObject({ statusCode: 400 });
  });

  test('a private channel made with application permissions needs an owner among its members, all of them in the team', async () => {
    const app = channelCreatingApp();
    const create = (body: unknown) => raw(sandbox, `/v1.0/teams/${creds.teamId}/channels`, { token: app, body });
    const noOwner = await create({ displayName: 'Ops', membershipType: 'private', members: [member(people[1] as string)] });
    expect(noOwner.status).toBe(400);
    expect(noOwner.json<{ error: { message: string } }>().error.message).toContain('owner');
    const outsider = sandbox.control.createAccount({ tenantId: creds.customerTenantId, mailNickname: 'away', displayName: 'Away', password: 'Away-passw0rd!' });
    expect((await create({ displayName: 'Ops', membershipType: 'private', members: [member(outsider.id, ['owner'])] })).status).toBe(400);
    const made = await create({ displayName: 'Ops', membershipType: 'private', members: [member(people[1] as string, ['owner'])] });
    expect(made.status).toBe(201);
    expect((await create({ displayName: 'Plain', members: [member(people[1] as string, ['owner'])] })).status).toBe(400);
  });
});

describe('listing a channel for catch-up', () => {
  test('top-level messages and a root\'s replies, newest first, in pages of $top with an absolute nextLink', async () => {
    const place = { teamId: creds.teamId, channelId: creds.generalChannelId };
    const roots = [1, 2, 3].map((n) => sandbox.control.post({ as: people[0] as string, ...place, content: `root ${n}` })['id'] as string);
    const replies = [1, 2, 3].map((n) => sandbox.control.post({ as: people[1] as string, ...place, replyToId: roots[0], content: `reply ${n}` })['id'] as string);
    const client = graphClient(sandbox, appToken);
    const base = `/teams/${creds.teamId}/channels/${creds.generalChannelId}/messages`;
    const first = await client.api(base).top(2).get();
    expect(first.value.map((m: { id: string }) => m.id)).toEqual([roots[2], roots[1]]);
    expect(first['@odata.nextLink']).toMatch(/^https:\/\//);
    const rest = await client.api(first['@odata.nextLink']).get();
    expect(rest.value.map((m: { id: string }) => m.id)).toEqual([roots[0]]);
    expect(rest['@odata.nextLink']).toBeUndefined();
    const threadPage = await client.api(`${base}/${roots[0]}/replies`).top(2).get();
    expect(threadPage.value.map((m: { id: string; replyToId: string }) => [m.id, m.replyToId])).toEqual([
      [replies[2], roots[0]],
      [replies[1], roots[0]],
    ]);
    expect((await client.api(threadPage['@odata.nextLink']).get()).value.map((m: { id: string }) => m.id)).toEqual([replies[0]]);
    // Graph documents neither $filter nor $orderby on channel messages.
    await expect(client.api(base).filter(`lastModifiedDateTime gt ${new Date(0).toISOString()}`).get()).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe('per-channel subscriptions', () => {
  test('notify top-level messages, replies, edits, soft deletes and reactions, with channelIdentity and replyToId', async () => {
    const { certificateBase64, privateKeyPem } = subscriberCertificate();
    const resource = `/teams/${creds.teamId}/channels/${creds.generalChannelId}/messages`;
    const subscription = {
      changeType: 'created,updated,deleted',
      notificationUrl: `${receiver.url}/notify`,
      lifecycleNotificationUrl: `${receiver.url}/lifecycle`,
      resource,
      expirationDateTime: inMinutes(240),
      clientState: 'channel-state',
      includeResourceData: true,
      encryptionCertificate: certificateBase64,
      encryptionCertificateId: 'cert-1',
    };
    await graphClient(sandbox, appToken).api('/subscriptions').post(subscription);
    // One per app per channel.
    await expect(graphClient(sandbox, appToken).api('/subscriptions').post({ ...subscription, changeType: 'created' })).rejects.toMatchObject({ statusCode: 409 });
    // Another channel's messages are not this subscription's.
    const other = await graphClient(sandbox, tokenAs(people[0] as string)).api(`/teams/${creds.teamId}/channels`).post({ displayName: 'Other' });
    sandbox.control.post({ as: people[0] as string, teamId: creds.teamId, channelId: other.id, content: 'elsewhere' });

    const place = { teamId: creds.teamId, channelId: creds.generalChannelId };
    const root = sandbox.control.post({ as: people[0] as string, ...place, content: 'root' });
    const reply = sandbox.control.post({ as: people[1] as string, ...place, replyToId: root['id'] as string, content: 'reply' });
    sandbox.control.edit({ as: people[1] as string, ...place, messageId: reply['id'] as string, content: 'reply, edited' });
    sandbox.control.react({ as: people[0] as string, ...place, messageId: reply['id'] as string, reactionType: '👍' });
    sandbox.control.delete({ as: people[0] as string, ...place, messageId: root['id'] as string });
    const received = await receiver.waitFor(5);
    const items = received.map((r) => r.body.value[0] as Record<string, unknown> & { encryptedContent: { data: string; dataKey: string; dataSignature: string } });
    const messages = items.map((item) => decrypt(item.encryptedContent, privateKeyPem) as { id: string; replyToId: string | null; channelIdentity: unknown; reactions: unknown[]; deletedDateTime: string | null });
    expect(items.map((i) => i['changeType'])).toEqual(['created', 'created', 'updated', 'updated', 'deleted']);
    expect(items[1]?.['resource']).toBe(`teams('${creds.teamId}')/channels('${creds.generalChannelId}')/messages('${root['id']}')/replies('${reply['id']}')`);
    expect(messages.map((m) => m.channelIdentity)).toEqual(Array(5).fill(place));
    expect(messages.map((m) => m.replyToId)).toEqual([null, root['id'], root['id'], root['id'], null]);
    expect(messages[3]?.reactions).toHaveLength(1);
    expect(messages[4]?.deletedDateTime).not.toBeNull();
  });

  test('a delegated caller subscribes only to a private channel they are in; an unknown channel is 404', async () => {
    const created = await graphClient(sandbox, tokenAs(people[0] as string)).api(`/teams/${creds.teamId}/channels`).post({ displayName: 'Hidden', membershipType: 'private' });
    const body = { changeType: 'created', notificationUrl: `${receiver.url}/n`, resource: `/teams/${creds.teamId}/channels/${created.id}/messages`, expirationDateTime: inMinutes(30) };
    await expect(graphClient(sandbox, tokenAs(people[1] as string)).api('/subscriptions').post(body)).rejects.toMatchObject({ statusCode: 403 });
    await expect(graphClient(sandbox, appToken).api('/subscriptions').post({ ...body, resource: `/teams/${creds.teamId}/channels/19:${'0'.repeat(32)}@thread.tacv2/messages` })).rejects.toMatchObject({ statusCode: 404 });
    expect((await graphClient(sandbox, appToken).api('/subscriptions').post(body)).id).toBeDefined();
  });
});

import { randomBytes, randomUUID } from 'node:crypto';
import { teamsChannelConversationId } from '@parley/contracts';
import { internalRoutes } from '@parley/internal-api';
import { startGraphSandbox, type GraphSandbox } from '@parley/sandbox-graph';
import { integrationEnv } from '@parley/testing';
import { graphAccessConfig } from '@parley/teams-connector-graph-access';
import { ConnectorHarness, freshDatabase, type SeededOrg } from '../testing/connector-harness';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '@parley/service-runtime';
import { LinkedChannels } from '../channels/linked-channels';
import { ChatMessageObserver, type ChatMessageObservation, type GraphChatMessageResource } from './chat-message-observer';
import { contentHash } from './content';
import { RelayStore } from './relay-store';

// The observer as Teams ingress calls it, with chatMessage resources as the Graph sandbox serves them, on real
// PostgreSQL: what reaches parley.message.received.v2 and what does not.
describe('TeamsMessageIngest (the ChatMessageObserver)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let sandbox: GraphSandbox;
  let harness: ConnectorHarness;
  let observer: ChatMessageObserver;
  let org: SeededOrg;
  let frances: string;
  let grace: string;
  let mary: string;

  beforeAll(async () => {
    database = await freshDatabase(integrationEnv().databaseUrl);
    sandbox = await startGraphSandbox({ limits: { enabled: false } });
    harness = await new ConnectorHarness(sandbox, database.url, graphAccessConfig()).start();
    observer = harness.connector.app.get(ChatMessageObserver);
    org = harness.seedOrg('ingest');
    const upns = Object.keys(org.credentials.passwords);
    [frances, grace, mary] = upns.slice(1, 4) as [string, string, string];
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
    await sandbox?.stop();
    await database?.drop();
  });

  const userId = async (upn: string): Promise<string> => {
    const token = await harness.appToken(org.credentials.customerTenantId, org);
    return (await harness.graph<{ id: string }>(`/users/${encodeURIComponent(upn)}`, token)).body.id;
  };
  const observation = (chatId: string, message: Record<string, unknown>, changeType: ChatMessageObservation['changeType'] = 'created'): ChatMessageObservation => ({
    orgId: org.orgId,
    connectionId: org.connectionId,
    chatId,
    messageId: message['id'] as string,
    changeType,
    message: message as unknown as GraphChatMessageResource,
    source: 'notification',
    eventId: `${message['id'] as string}:${String(message['lastModifiedDateTime'])}:${randomUUID()}`,
  });
  const read = async (chatId: string, messageId: string): Promise<Record<string, unknown>> => {
    const token = await harness.appToken(org.credentials.customerTenantId, org);
    return (await harness.graph(`/chats/${encodeURIComponent(chatId)}/messages/${messageId}`, token)).body;
  };
  const received = (messageId: string) => harness.log.of('parley.message.received.v2', (p) => p.messageId === messageId);

  it('maps a new message of a 1:1 chat, then its edit and its delete, each once however often observed', async () => {
    const chat = sandbox.control.createChat({ members: [frances, grace] });
    const mentioned = await userId(grace);
    const posted = sandbox.control.post({
      as: frances,
      chatId: chat.id,
      contentType: 'html',
      content: '<p>hi <at id="0">Grace</at> &amp; <b>all</b></p>',
      mentions: [{ id: 0, mentionText: 'Grace', mentioned: { user: { id: mentioned, displayName: 'Grace', userIdentityType: 'aadUser' } } }] as never,
    });
    const id = posted['id'] as string;
    await observer.observe(observation(chat.id, posted));
    await observer.observe({ ...observation(chat.id, posted), source: 'catch-up' });
    const [created] = await harness.log.waitFor('parley.message.received.v2', (p) => p.messageId === id, 15_000);
    expect(created).toMatchObject({
      orgId: org.orgId,
      connectionId: org.connectionId,
      conversation: { platform: 'teams', conversationId: chat.id, kind: 'dm' },
      change: 'created',
      senderPlatformUserId: await userId(frances),
      body: { format: 'teams-html', content: '<p>hi <at id="0">Grace</at> &amp; <b>all</b></p>', mentions: [{ id: 0, mentionText: 'Grace', userId: mentioned }] },
    });
    expect([...(created?.conversation.members ?? [])].sort()).toEqual([await userId(frances), mentioned].sort());

    await new Promise((resolve) => setTimeout(resolve, 5));
    sandbox.control.edit({ as: frances, chatId: chat.id, messageId: id, content: 'hi again', contentType: 'text' });
    const edited = await read(chat.id, id);
    await observer.observe(observation(chat.id, edited, 'updated'));
    await observer.observe(observation(chat.id, edited, 'updated'));
    // A stale version arriving late changes nothing.
    await observer.observe(observation(chat.id, posted, 'updated'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    sandbox.control.delete({ as: frances, chatId: chat.id, messageId: id });
    const gone = await read(chat.id, id);
    await observer.observe(observation(chat.id, gone, 'deleted'));
    await observer.observe({ ...observation(chat.id, gone, 'deleted'), message: undefined });
    await harness.log.waitFor('parley.message.received.v2', (p) => p.messageId === id, 15_000, 3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received(id).map((p) => [p.change, p.body?.content])).toEqual([
      ['created', '<p>hi <at id="0">Grace</at> &amp; <b>all</b></p>'],
      ['edited', 'hi again'],
      ['deleted', undefined],
    ]);
    expect(received(id)[1]?.body?.format).toBe('plain');
  });

  it('maps a group chat, a quoted reply to its thread root, and ignores system messages and unknown deletions', async () => {
    const chat = sandbox.control.createChat({ members: [frances, grace, mary], chatType: 'group' });
    const first = sandbox.control.post({ as: grace, chatId: chat.id, content: 'first' });
    await observer.observe(observation(chat.id, first));
    const maryToken = sandbox.control.token({ clientId: org.credentials.clientId, tenantId: org.credentials.customerTenantId, as: mary });
    const reply = await harness.graph<Record<string, unknown>>(`/chats/${encodeURIComponent(chat.id)}/messages/replyWithQuote`, maryToken, {
      method: 'POST',
      body: { messageIds: [first['id']], replyMessage: { body: { contentType: 'text', content: 'agreed' } } },
    });
    expect(reply.status).toBe(201);
    await observer.observe(observation(chat.id, reply.body));
    await observer.observe(observation(chat.id, { ...sandbox.control.post({ as: grace, chatId: chat.id, content: 'x' }), messageType: 'systemEventMessage' }));
    await observer.observe({ ...observation(chat.id, { id: '1700000000000' }, 'deleted'), message: undefined });
    // A meeting's chat is not relayed.
    const meeting = sandbox.control.createChat({ members: [frances, grace, mary], chatType: 'meeting' as never });
    const inMeeting = sandbox.control.post({ as: grace, chatId: meeting.id, content: 'in the meeting' });
    await observer.observe(observation(meeting.id, inMeeting));
    await harness.log.waitFor('parley.message.received.v2', (p) => p.messageId === reply.body['id'], 15_000);
    const forChat = harness.log.of('parley.message.received.v2', (p) => p.conversation.conversationId === chat.id);
    expect(forChat.map((p) => p.messageId)).toEqual([first['id'], reply.body['id']]);
    expect(forChat[0]?.conversation.kind).toBe('group');
    expect(forChat[0]?.conversation.members).toHaveLength(3);
    expect(forChat[1]).toMatchObject({ threadRootId: first['id'], senderPlatformUserId: await userId(mary) });
    expect(received(inMeeting['id'] as string)).toEqual([]);
  });

  describe('with files (parley.message.received.v2 files, served back through fileContent)', () => {
    const tokenAs = (upn: string) => sandbox.control.token({ clientId: org.credentials.clientId, tenantId: org.credentials.customerTenantId, as: upn });
    const fileContent = async (ref: string): Promise<{ contentType: string; bytes: Buffer }> => {
      const file = await harness.internalApi().stream(internalRoutes['teams-connector'].fileContent, { params: { orgId: org.orgId, connectionId: org.connectionId, ref } });
      const chunks: Buffer[] = [];
      for await (const chunk of file.body) chunks.push(Buffer.from(chunk as Uint8Array));
      return { contentType: file.contentType, bytes: Buffer.concat(chunks) };
    };

    it('names an inline image and a file shared by reference, with Graph\'s sizes; their bytes stream back until the message is deleted', async () => {
      const chat = sandbox.control.createChat({ members: [frances, grace] });
      const png = randomBytes(5000);
      const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(3000)]);
      const uploaded = await harness.upload('/me/drive/root:/Microsoft Teams Chat Files/plan.pdf:/content', tokenAs(frances), pdf, 'application/pdf');
      expect(uploaded.status).toBe(201);
      const guid = /\{([0-9A-F-]{36})\}/i.exec(uploaded.body['eTag'] as string)?.[1] as string;
      const sent = await harness.graph<Record<string, unknown>>(`/chats/${encodeURIComponent(chat.id)}/messages`, tokenAs(frances), {
        method: 'POST',
        body: {
          body: { contentType: 'html', content: `<p>the plan</p><img src="../hostedContents/1/$value"><attachment id="${guid}"></attachment>` },
          hostedContents: [{ '@microsoft.graph.temporaryId': '1', contentBytes: png.toString('base64'), contentType: 'image/png' }],
          attachments: [{ id: guid, contentType: 'reference', contentUrl: uploaded.body['webDavUrl'], name: 'plan.pdf' }],
        },
      });
      expect(sent.status).toBe(201);
      const id = sent.body['id'] as string;
      await observer.observe(observation(chat.id, sent.body));
      const [created] = await harness.log.waitFor('parley.message.received.v2', (p) => p.messageId === id, 15_000);
      expect(created?.files).toEqual([
        { ref: expect.any(String), name: 'image-1.png', mimeType: 'image/png', sizeBytes: 5000, kind: 'image' },
        { ref: expect.any(String), name: 'plan.pdf', mimeType: 'application/pdf', sizeBytes: pdf.length, kind: 'file', permalink: uploaded.body['webUrl'] },
      ]);
      const [image, file] = created?.files ?? [];
      expect(await fileContent(image?.ref as string)).toEqual({ contentType: 'image/png', bytes: png });
      expect(await fileContent(file?.ref as string)).toEqual({ contentType: 'application/pdf', bytes: pdf });
      // An edit names no files; a handle teams-connector did not make is 404.
      await expect(fileContent('F0CH8E3B1')).rejects.toMatchObject({ status: 404 });
      sandbox.control.delete({ as: frances, chatId: chat.id, messageId: id });
      await expect(fileContent(file?.ref as string)).rejects.toMatchObject({ status: 404 });
      await expect(fileContent(image?.ref as string)).rejects.toMatchObject({ status: 404 });
    });

    it('a text-only message has no files; a file Graph no longer has is left out and the message still relayed', async () => {
      const chat = sandbox.control.createChat({ members: [frances, mary] });
      const plain = sandbox.control.post({ as: frances, chatId: chat.id, content: 'just text' });
      await observer.observe(observation(chat.id, plain));
      const gone = { ...plain, id: sandbox.control.post({ as: frances, chatId: chat.id, content: 'with a vanished file' })['id'], attachments: [{ id: 'x', contentType: 'reference', contentUrl: 'https://nowhere.sharepoint.test/personal/x/Documents/gone.txt', name: 'gone.txt' }] };
      await observer.observe(observation(chat.id, gone));
      const [first] = await harness.log.waitFor('parley.message.received.v2', (p) => p.messageId === plain['id'], 15_000);
      const [second] = await harness.log.waitFor('parley.message.received.v2', (p) => p.messageId === gone['id'], 15_000);
      expect(first?.files).toBeUndefined();
      expect(second?.files).toBeUndefined();
    });
  });

  it('drops what Parley posted itself, also when the observation races the post', async () => {
    const chat = sandbox.control.createChat({ members: [frances, mary] });
    const posted = sandbox.control.post({ as: frances, chatId: chat.id, content: 'from Parley' });
    const store = new RelayStore(harness.connector.app.get<symbol, DataSource>(DATA_SOURCE));
    const deliveryId = randomUUID();
    await store.beginDelivery(deliveryId, org.orgId, org.connectionId, chat.id);
    await store.preparePost(deliveryId, 'message', chat.id, await userId(frances), contentHash('from Parley', deliveryId));
    await store.beginAttempt(deliveryId, 'message');
    // In flight: the observation waits, then recognises the post by sender and text.
    const racing = observer.observe(observation(chat.id, posted));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await store.recordPosted(deliveryId, 'message', posted['id'] as string);
    await racing;
    await observer.observe(observation(chat.id, posted, 'updated'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received(posted['id'] as string)).toEqual([]);
  });
  describe('in a linked channel', () => {
    const dataSource = (): DataSource => harness.connector.app.get<symbol, DataSource>(DATA_SOURCE);
    const ownerToken = () => sandbox.control.token({ clientId: org.credentials.clientId, tenantId: org.credentials.customerTenantId, as: Object.keys(org.credentials.passwords)[0] as string });
    const newChannel = async (displayName: string): Promise<string> =>
      (await harness.graph<{ id: string }>(`/teams/${org.credentials.teamId}/channels`, ownerToken(), { method: 'POST', body: { displayName } })).body.id;
    const link = async (channelId: string, change: 'linked' | 'unlinked' = 'linked', linkId: string = randomUUID()): Promise<string> => {
      await harness.publish('parley.channel.link.changed.v1', {
        orgId: org.orgId,
        linkId,
        change,
        slack: { connectionId: randomUUID(), channelId: 'C0SLACK02' },
        teams: { connectionId: org.connectionId, teamId: org.credentials.teamId, channelId },
        private: false,
        occurredAt: new Date().toISOString(),
      });
      const linked = new LinkedChannels(dataSource());
      const deadline = Date.now() + 15_000;
      while (((await linked.linked(org.connectionId, org.credentials.teamId, channelId)) !== null) !== (change === 'linked')) {
        if (Date.now() > deadline) throw new Error(`the ${change} change was not recorded`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return linkId;
    };
    const inChannel = (channelId: string) => teamsChannelConversationId(org.credentials.teamId, channelId);
    const readIn = async (channelId: string, messageId: string, rootId?: string): Promise<Record<string, unknown>> => {
      const token = await harness.appToken(org.credentials.customerTenantId, org);
      const base = `/teams/${org.credentials.teamId}/channels/${encodeURIComponent(channelId)}/messages`;
      return (await harness.graph(rootId ? `${base}/${rootId}/replies/${messageId}` : `${base}/${messageId}`, token)).body;
    };
    const place = (channelId: string) => ({ teamId: org.credentials.teamId, channelId });

    it('relays messages and replies as kind channel, a reply under its root, its edit and delete too', async () => {
      const channelId = await newChannel('Ingest linked');
      await link(channelId);
      const root = sandbox.control.post({ as: grace, ...place(channelId), content: 'a thread' });
      const reply = sandbox.control.post({ as: frances, ...place(channelId), content: 'a reply', replyToId: root['id'] as string });
      await observer.observe(observation(inChannel(channelId), root));
      await observer.observe({ ...observation(inChannel(channelId), reply), threadRootId: root['id'] as string });
      await new Promise((resolve) => setTimeout(resolve, 5));
      sandbox.control.edit({ as: frances, ...place(channelId), messageId: reply['id'] as string, content: 'a reply, edited' });
      await observer.observe(observation(inChannel(channelId), await readIn(channelId, reply['id'] as string, root['id'] as string), 'updated'));
      await new Promise((resolve) => setTimeout(resolve, 5));
      sandbox.control.delete({ as: frances, ...place(channelId), messageId: reply['id'] as string });
      await observer.observe(observation(inChannel(channelId), await readIn(channelId, reply['id'] as string, root['id'] as string), 'deleted'));
      await harness.log.waitFor('parley.message.received.v2', (p) => p.messageId === reply['id'], 15_000, 3);

      const [relayedRoot] = received(root['id'] as string);
      expect(relayedRoot).toMatchObject({ conversation: { platform: 'teams', conversationId: inChannel(channelId), kind: 'channel' }, change: 'created', senderPlatformUserId: await userId(grace) });
      expect(relayedRoot?.conversation.members).toBeUndefined();
      expect(relayedRoot?.threadRootId).toBeUndefined();
      expect(received(reply['id'] as string).map((p) => [p.change, p.threadRootId, p.conversation.kind])).toEqual([
        ['created', root['id'], 'channel'],
        ['edited', root['id'], 'channel'],
        ['deleted', root['id'], 'channel'],
      ]);
    });

    it("names the image of a channel reply by a handle that finds it under its root", async () => {
      const channelId = await newChannel('Ingest files');
      await link(channelId);
      const root = sandbox.control.post({ as: grace, ...place(channelId), content: 'show me' });
      const gif = randomBytes(777);
      const token = sandbox.control.token({ clientId: org.credentials.clientId, tenantId: org.credentials.customerTenantId, as: frances });
      const reply = await harness.graph<Record<string, unknown>>(`/teams/${org.credentials.teamId}/channels/${encodeURIComponent(channelId)}/messages/${root['id'] as string}/replies`, token, {
        method: 'POST',
        body: { body: { contentType: 'html', content: '<img src="../hostedContents/a/$value">' }, hostedContents: [{ '@microsoft.graph.temporaryId': 'a', contentBytes: gif.toString('base64'), contentType: 'image/gif' }] },
      });
      expect(reply.status).toBe(201);
      await observer.observe({ ...observation(inChannel(channelId), reply.body), threadRootId: root['id'] as string });
      const [received] = await harness.log.waitFor('parley.message.received.v2', (p) => p.messageId === reply.body['id'], 15_000);
      expect(received).toMatchObject({ threadRootId: root['id'], files: [{ name: 'image-1.gif', mimeType: 'image/gif', sizeBytes: 777, kind: 'image' }] });
      const file = await harness.internalApi().stream(internalRoutes['teams-connector'].fileContent, { params: { orgId: org.orgId, connectionId: org.connectionId, ref: received?.files?.[0]?.ref as string } });
      const chunks: Buffer[] = [];
      for await (const chunk of file.body) chunks.push(Buffer.from(chunk as Uint8Array));
      expect(Buffer.concat(chunks).equals(gif)).toBe(true);
    });

    it('relays nothing from a channel that is not linked, or from before its link; Parley\'s own channel posts are echoes', async () => {
      const channelId = await newChannel('Ingest baseline');
      const before = sandbox.control.post({ as: grace, ...place(channelId), content: 'history' });
      await observer.observe(observation(inChannel(channelId), before));
      await new Promise((resolve) => setTimeout(resolve, 20));
      const linkId = await link(channelId);
      // An edit of history is still history.
      sandbox.control.edit({ as: grace, ...place(channelId), messageId: before['id'] as string, content: 'history, edited' });
      await observer.observe(observation(inChannel(channelId), await readIn(channelId, before['id'] as string), 'updated'));

      const own = sandbox.control.post({ as: frances, ...place(channelId), content: 'posted by Parley' });
      const store = new RelayStore(dataSource());
      const deliveryId = randomUUID();
      await store.beginDelivery(deliveryId, org.orgId, org.connectionId, inChannel(channelId));
      await store.preparePost(deliveryId, 'message', inChannel(channelId), await userId(frances), contentHash('posted by Parley', deliveryId));
      await store.beginAttempt(deliveryId, 'message');
      await store.recordPosted(deliveryId, 'message', own['id'] as string);
      await observer.observe(observation(inChannel(channelId), own));

      const system = { ...sandbox.control.post({ as: grace, ...place(channelId), content: 'x' }), messageType: 'systemEventMessage' };
      await observer.observe(observation(inChannel(channelId), system));
      const relayed = sandbox.control.post({ as: grace, ...place(channelId), content: 'while linked' });
      await observer.observe(observation(inChannel(channelId), relayed));
      await harness.log.waitFor('parley.message.received.v2', (p) => p.messageId === relayed['id'], 15_000);

      await link(channelId, 'unlinked', linkId);
      const afterUnlink = sandbox.control.post({ as: grace, ...place(channelId), content: 'after the unlink' });
      await observer.observe(observation(inChannel(channelId), afterUnlink));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const forChannel = harness.log.of('parley.message.received.v2', (p) => p.conversation.conversationId === inChannel(channelId));
      expect(forChannel.map((p) => p.messageId)).toEqual([relayed['id']]);
    });

    it('publishes reactions on a channel reply with the reply\'s root', async () => {
      const channelId = await newChannel('Ingest reactions');
      await link(channelId);
      const root = sandbox.control.post({ as: grace, ...place(channelId), content: 'react here' });
      const reply = sandbox.control.post({ as: frances, ...place(channelId), content: 'and here', replyToId: root['id'] as string });
      await observer.observe(observation(inChannel(channelId), reply));
      sandbox.control.react({ as: mary, ...place(channelId), messageId: reply['id'] as string, reactionType: '👍' });
      await observer.observe(observation(inChannel(channelId), await readIn(channelId, reply['id'] as string, root['id'] as string), 'updated'));
      const [reaction] = await harness.log.waitFor('parley.reaction.observed.v1', (p) => p.messageId === reply['id'], 15_000);
      expect(reaction).toMatchObject({
        conversation: { platform: 'teams', conversationId: inChannel(channelId), kind: 'channel' },
        threadRootId: root['id'],
        reactorPlatformUserId: await userId(mary),
        change: 'added',
        reaction: '👍',
      });
    });
  });
});

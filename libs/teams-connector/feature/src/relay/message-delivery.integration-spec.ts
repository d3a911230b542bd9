import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { teamsChannelConversationId, type Payload, type PayloadIn } from '@parley/contracts';
import { startGraphSandbox, type GraphSandbox } from '@parley/sandbox-graph';
import { inTransaction } from '@parley/persistence';
import { DATA_SOURCE } from '@parley/service-runtime';
import { integrationEnv } from '@parley/testing';
import { graphAccessConfig } from '@parley/teams-connector-graph-access';
import { ConnectorHarness, freshDatabase, type SeededOrg } from '../testing/connector-harness';
import { ChatMessageObserver, type GraphChatMessageResource } from './chat-message-observer';
import { contentHash } from './content';
import { NoticePoster } from './notice-poster';
import { RelayStore } from './relay-store';

type Deliver = PayloadIn<'parley.teams.message.deliver.requested.v1'>;
type Delivered = Payload<'parley.message.delivered.v1'>;
interface GraphMessage {
  id: string;
  from?: { user?: { id?: string } };
  body: { contentType: string; content: string };
  mentions: { id: number; mentionText: string; mentioned: { user: { id: string } } }[];
  attachments: { id: string; contentType: string }[];
  lastEditedDateTime: string | null;
  deletedDateTime: string | null;
  replyToId?: string | null;
}

// Deliveries through the bus into the Graph sandbox with its limits on (time-compressed), as Ada's Teams guest (made
// by the connector's own Guest Account Sync) or, without a voice, as the service account; everything asserted through
// Graph as the recipients read it.
describe('teams delivery (parley.teams.message.deliver.requested.v1)', () => {
  const timeScale = 0.1;
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let sandbox: GraphSandbox;
  let harness: ConnectorHarness;
  let org: SeededOrg;
  let store: RelayStore;
  const ada = { personId: randomUUID(), guestId: '' };
  let frances: { upn: string; id: string; token: string };
  let grace: { upn: string; id: string; token: string };
  let ownerId: string;

  beforeAll(async () => {
    database = await freshDatabase(integrationEnv().databaseUrl);
    sandbox = await startGraphSandbox({ limits: { enabled: true, timeScale } });
    harness = await new ConnectorHarness(sandbox, database.url, graphAccessConfig({ timeScale })).start();
    store = new RelayStore(harness.connector.app.get<symbol, DataSource>(DATA_SOURCE));
    org = harness.seedOrg('delivery');
    const syncId = randomUUID();
    await harness.publish('parley.teams.guest.create.requested.v1', {
      orgId: org.orgId,
      syncId,
      personId: ada.personId,
      connectionId: org.connectionId,
      email: `ada@${org.domain}`,
      displayName: 'Ada Lovelace',
      teamIds: [org.credentials.teamId],
    });
    const [created] = await harness.log.waitFor('parley.teams.guest.created.v1', (p) => p.syncId === syncId, 60_000);
    expect(created?.signIn.status).toBe('ok');
    ada.guestId = created?.guestUserId as string;
    const person = async (upn: string) => {
      const token = sandbox.control.token({ clientId: org.credentials.clientId, tenantId: org.credentials.customerTenantId, as: upn });
      const me = await harness.graph<{ id: string }>('/me', token);
      return { upn, id: me.body.id, token };
    };
    const upns = Object.keys(org.credentials.passwords);
    frances = await person(upns[1] as string);
    grace = await person(upns[2] as string);
    ownerId = (await person(org.owner.username)).id;
  }, 120_000);

  afterAll(async () => {
    await harness?.stop();
    await sandbox?.stop();
    await database?.drop();
  });

  const request = (overrides: Partial<Deliver>): Deliver => ({
    orgId: org.orgId,
    connectionId: org.connectionId,
    deliveryId: randomUUID(),
    target: { kind: 'open', conversationKind: 'dm', memberPlatformUserIds: [ada.guestId, frances.id] },
    change: 'create',
    senderPersonId: ada.personId,
    senderDisplayName: 'Ada Lovelace',
    recipientPlatformUserIds: [frances.id],
    body: { format: 'teams-html', content: '<p>hello</p>' },
    ...overrides,
  });
  const deliver = async (command: Deliver, timeoutMs = 60_000): Promise<Delivered> => {
    await harness.publish('parley.teams.message.deliver.requested.v1', command);
    const [delivered] = await harness.log.waitFor('parley.message.delivered.v1', (p) => p.deliveryId === command.deliveryId, timeoutMs);
    return delivered as Delivered;
  };
  const messagesAs = async (reader: { token: string }, chatId: string): Promise<GraphMessage[]> =>
    (await harness.graph<{ value: GraphMessage[] }>(`/chats/${encodeURIComponent(chatId)}/messages?$top=50`, reader.token)).body.value;
  const messageAs = async (reader: { token: string }, chatId: string, id: string): Promise<GraphMessage> =>
    (await harness.graph<GraphMessage>(`/chats/${encodeURIComponent(chatId)}/messages/${id}`, reader.token)).body;
  let dmId = '';

  it('opens the 1:1 chat and posts as the guest, with mentions; a reply quotes its root', async () => {
    const delivered = await deliver(
      request({
        body: { format: 'teams-html', content: '<p>hi <at id="0">Frances</at>, meet <at id="1">everyone</at></p>', mentions: [{ id: 0, mentionText: 'Frances', userId: frances.id }, { id: 1, mentionText: 'everyone' }] },
      }),
    );
    expect(delivered).toMatchObject({ outcome: 'delivered', voice: 'person', platformMessageId: expect.any(String) });
    dmId = delivered.conversation.conversationId;
    const seen = await messageAs(frances, dmId, delivered.platformMessageId as string);
    expect(seen.from?.user?.id).toBe(ada.guestId);
    expect(seen.body.content).toBe('<p>hi <at id="0">Frances</at>, meet everyone</p>');
    expect(seen.mentions.map((m) => [m.id, m.mentionText, m.mentioned.user.id])).toEqual([[0, 'Frances', frances.id]]);

    // Opening again finds the same 1:1 chat.
    const again = await deliver(request({ body: { format: 'plain', content: 'second' } }));
    expect(again.conversation.conversationId).toBe(dmId);
    const reply = await deliver(request({ target: { kind: 'existing', conversationId: dmId }, threadRootId: delivered.platformMessageId, body: { format: 'plain', content: 'a reply' } }));
    const quoted = await messageAs(frances, dmId, reply.platformMessageId as string);
    expect(quoted.attachments).toEqual([expect.objectContaining({ id: delivered.platformMessageId, contentType: 'messageReference' })]);
    expect(quoted.from?.user?.id).toBe(ada.guestId);
  });

  it('edits and deletes as the guest; a refused edit fails with Graph\'s reason', async () => {
    const posted = await deliver(request({ target: { kind: 'existing', conversationId: dmId }, body: { format: 'plain', content: 'to be changed' } }));
    const id = posted.platformMessageId as string;
    const edited = await deliver(request({ target: { kind: 'existing', conversationId: dmId }, change: 'edit', targetMessageId: id, body: { format: 'teams-html', content: '<p>changed</p>' } }));
    expect(edited).toMatchObject({ outcome: 'delivered', platformMessageId: id });
    const seen = await messageAs(frances, dmId, id);
    expect([seen.body.content, seen.lastEditedDateTime !== null]).toEqual(['<p>changed</p>', true]);

    const deleted = await deliver(request({ target: { kind: 'existing', conversationId: dmId }, change: 'delete', targetMessageId: id, body: undefined }));
    expect(deleted.outcome).toBe('delivered');
    expect((await messageAs(frances, dmId, id)).deletedDateTime).not.toBeNull();

    // Frances's own message cannot be edited by Ada's guest: Graph's 403 is the reason.
    const hers = sandbox.control.post({ as: frances.upn, chatId: dmId, content: 'mine' });
    const notSender = await deliver(request({ target: { kind: 'existing', conversationId: dmId }, change: 'edit', targetMessageId: hers['id'] as string, body: { format: 'plain', content: 'x' } }));
    expect(notSender.outcome).toBe('failed');
    expect(notSender.reason).toMatch(/403.*Only the sender/);

    // The tenant's guest messaging policy forbids guests to edit.
    const another = await deliver(request({ target: { kind: 'existing', conversationId: dmId }, body: { format: 'plain', content: 'policy' } }));
    sandbox.control.setGuestMessagingPolicy({ tenantId: org.credentials.customerTenantId, allowUserEditMessage: false });
    try {
      const refused = await deliver(request({ target: { kind: 'existing', conversationId: dmId }, change: 'edit', targetMessageId: another.platformMessageId, body: { format: 'plain', content: 'y' } }));
      expect(refused).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('AllowUserEditMessage') });
      expect((await messageAs(frances, dmId, another.platformMessageId as string)).body.content).toBe('policy');
    } finally {
      sandbox.control.setGuestMessagingPolicy({ tenantId: org.credentials.customerTenantId, allowUserEditMessage: true });
    }
  });

  it('opens one group chat for the same people, even when a delivery is requested twice', async () => {
    const command = request({ target: { kind: 'open', conversationKind: 'group', memberPlatformUserIds: [ada.guestId, frances.id, grace.id] }, recipientPlatformUserIds: [frances.id, grace.id], body: { format: 'plain', content: 'hello group' } });
    const delivered = await deliver(command);
    await harness.publish('parley.teams.message.deliver.requested.v1', command);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const chats = (await harness.graph<{ value: { id: string; chatType: string }[] }>('/chats', grace.token)).body.value.filter((c) => c.chatType === 'group');
    expect(chats.map((c) => c.id)).toEqual([delivered.conversation.conversationId]);
    expect((await messagesAs(grace, delivered.conversation.conversationId)).map((m) => [m.from?.user?.id, m.body.content])).toEqual([[ada.guestId, 'hello group']]);
    expect(harness.log.of('parley.message.delivered.v1', (p) => p.deliveryId === command.deliveryId)).toHaveLength(1);
    // The next message to the same people, sent before the relay heard of the twin, goes to the same chat.
    const next = await deliver({ ...command, deliveryId: randomUUID(), body: { format: 'plain', content: 'still one group' } });
    expect(next.conversation.conversationId).toBe(delivered.conversation.conversationId);
  });

  it('paces posts per chat, per user and per tenant up front: Graph answers no 429', async () => {
    const chatA = sandbox.control.createChat({ members: [ada.guestId, grace.upn], chatType: 'oneOnOne' }).id;
    const dmId = sandbox.control.createChat({ members: [ada.guestId, frances.upn], chatType: 'oneOnOne' }).id;
    sandbox.inspect.resetStatusCounts();
    const commands = [...Array.from({ length: 8 }, (_, i) => request({ target: { kind: 'existing', conversationId: dmId }, body: { format: 'plain', content: `burst ${i}` } })), ...Array.from({ length: 8 }, (_, i) => request({ target: { kind: 'existing', conversationId: chatA }, recipientPlatformUserIds: [grace.id], body: { format: 'plain', content: `other ${i}` } }))];
    await Promise.all(commands.map((c) => harness.publish('parley.teams.message.deliver.requested.v1', c)));
    const ids = new Set(commands.map((c) => c.deliveryId));
    const delivered = await harness.log.waitFor('parley.message.delivered.v1', (p) => ids.has(p.deliveryId), 60_000, commands.length);
    expect(delivered.every((d) => d.outcome === 'delivered')).toBe(true);
    expect(sandbox.inspect.statusCounts()[429] ?? 0).toBe(0);
    const inA = (await messagesAs(grace, chatA)).map((m) => m.body.content).sort();
    expect(inA).toEqual(Array.from({ length: 8 }, (_, i) => `other ${i}`).sort());
    // In order within the chat: the bus keys deliveries by their chat.
    const inDm = (await messagesAs(frances, dmId)).filter((m) => m.body.content.startsWith('burst')).map((m) => m.body.content).reverse();
    expect(inDm).toEqual(Array.from({ length: 8 }, (_, i) => `burst ${i}`));
  });

  it('waits out a 429 and then delivers, once', async () => {
    sandbox.inspect.resetStatusCounts();
    sandbox.setFaults({ throttleBurst: 2, throttleBurstRetryAfterMs: 2000 });
    const delivered = await deliver(request({ target: { kind: 'existing', conversationId: dmId }, body: { format: 'plain', content: 'after a 429' } }));
    expect(delivered.outcome).toBe('delivered');
    expect(sandbox.inspect.statusCounts()[429]).toBe(2);
    expect((await messagesAs(frances, dmId)).filter((m) => m.body.content === 'after a 429')).toHaveLength(1);
  });

  it('reconciles an attempt whose outcome is unknown before posting again: posted once', async () => {
    // A crash after the POST went out and before its answer was recorded: the attempt is in flight, the message exists.
    const crashed = request({ target: { kind: 'existing', conversationId: dmId }, body: { format: 'plain', content: 'crashed mid-post' } });
    await store.beginDelivery(crashed.deliveryId, org.orgId, org.connectionId, dmId);
    await store.preparePost(crashed.deliveryId, 'message', dmId, ada.guestId, contentHash('crashed mid-post', crashed.deliveryId));
    await store.beginAttempt(crashed.deliveryId, 'message');
    const landed = sandbox.control.post({ as: ada.guestId, chatId: dmId, content: 'crashed mid-post' });
    const delivered = await deliver(crashed);
    expect(delivered).toMatchObject({ outcome: 'delivered', platformMessageId: landed['id'] });
    expect((await messagesAs(frances, dmId)).filter((m) => m.body.content === 'crashed mid-post')).toHaveLength(1);

    // Same text, the earlier attempt never reached Graph: nothing to find, so it posts (once).
    const lost = request({ target: { kind: 'existing', conversationId: dmId }, body: { format: 'plain', content: 'crashed mid-post' } });
    await store.beginDelivery(lost.deliveryId, org.orgId, org.connectionId, dmId);
    await store.preparePost(lost.deliveryId, 'message', dmId, ada.guestId, contentHash('crashed mid-post', lost.deliveryId));
    await store.beginAttempt(lost.deliveryId, 'message');
    const second = await deliver(lost);
    expect(second.platformMessageId).not.toBe(landed['id']);
    expect((await messagesAs(frances, dmId)).filter((m) => m.body.content === 'crashed mid-post')).toHaveLength(2);
  });

  it('reads the chat back after a post whose answer was lost, and does not post again', async () => {
    const unanswered = async () => Number(/parley_graph_responses_total\{[^}]*status="0"[^}]*\} (\d+)/.exec((await harness.metrics.render()).body)?.[1] ?? 0);
    const before = await unanswered();
    sandbox.setFaults({ lostResponses: 1, lostResponsesFor: '^POST /chats/[^/]+/messages$' });
    const delivered = await deliver(request({ target: { kind: 'existing', conversationId: dmId }, body: { format: 'plain', content: 'answer lost' } }));
    expect(delivered.outcome).toBe('delivered');
    const landed = (await messagesAs(frances, dmId)).filter((m) => m.body.content === 'answer lost');
    expect(landed.map((m) => m.id)).toEqual([delivered.platformMessageId]);
    // One attempt, unanswered, then found by reading the chat back.
    expect(await unanswered()).toBe(before + 1);
    expect((await store.posts(delivered.deliveryId)).map((p) => [p.attempts, p.messageId])).toEqual([[1, delivered.platformMessageId]]);
  });

  it('finds the group chat an earlier attempt opened before opening another', async () => {
    const members = [ada.guestId, frances.id, grace.id, ownerId];
    const command = request({ target: { kind: 'open', conversationKind: 'group', memberPlatformUserIds: members }, recipientPlatformUserIds: [frances.id, grace.id, ownerId], body: { format: 'plain', content: 'group again' } });
    // A crash after POST /chats went out and before its id was recorded.
    await store.beginDelivery(command.deliveryId, org.orgId, org.connectionId, null);
    await store.markOpening(command.deliveryId);
    const opened = await harness.graph<{ id: string }>('/chats', grace.token, {
      method: 'POST',
      body: { chatType: 'group', members: members.map((id) => ({ '@odata.type': '#microsoft.graph.aadUserConversationMember', roles: ['owner'], 'user@odata.bind': `https://graph.microsoft.com/v1.0/users('${id}')` })) },
    });
    const delivered = await deliver(command);
    // The chat opened then, and no third group chat.
    expect(delivered.conversation.conversationId).toBe(opened.body.id);
    const groups = (await harness.graph<{ value: { id: string; chatType: string }[] }>('/chats', grace.token)).body.value.filter((c) => c.chatType === 'group');
    expect(groups).toHaveLength(2);
  });

  it('falls back to the service account for a person without a voice, in its 1:1 chat with each recipient', async () => {
    const voiceless = randomUUID(); // identity answers 409 needs-attention: it holds no credential for them
    const command = request({
      senderPersonId: voiceless,
      senderDisplayName: 'Mio <Person>',
      target: { kind: 'open', conversationKind: 'group', memberPlatformUserIds: [ada.guestId, frances.id, grace.id] },
      recipientPlatformUserIds: [frances.id, grace.id],
      body: { format: 'teams-html', content: '<p>for <at id="0">Grace</at></p>', mentions: [{ id: 0, mentionText: 'Grace', userId: grace.id }] },
    });
    const delivered = await deliver(command);
    expect(delivered).toMatchObject({ outcome: 'delivered', voice: 'fallback', reason: expect.stringContaining('cannot sign in') });
    expect(delivered.fallbackPosts).toHaveLength(2);
    // No chat was opened for the twin: the outcome names the first chat posted in and the post there, never a made-up id.
    expect(delivered).toMatchObject({ conversation: { conversationId: delivered.fallbackPosts?.[0]?.conversationId }, platformMessageId: delivered.fallbackPosts?.[0]?.platformMessageId });
    for (const [reader, post] of [[frances, delivered.fallbackPosts?.[0]], [grace, delivered.fallbackPosts?.[1]]] as const) {
      const seen = await messageAs(reader, post?.conversationId as string, post?.platformMessageId as string);
      expect(seen.from?.user?.id).toBe(ownerId);
      expect(seen.body.content).toBe('<p><strong>Mio &lt;Person&gt;</strong></p><p>for Grace</p>');
    }
    // What Parley posted comes back from Teams as an echo and is not relayed.
    const observer = harness.connector.app.get(ChatMessageObserver);
    const post = delivered.fallbackPosts?.[0] as { conversationId: string; platformMessageId: string };
    const message = await messageAs(frances, post.conversationId, post.platformMessageId);
    await observer.observe({ orgId: org.orgId, connectionId: org.connectionId, chatId: post.conversationId, messageId: post.platformMessageId, changeType: 'created', message: message as unknown as GraphChatMessageResource, source: 'notification', eventId: randomUUID() });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(harness.log.of('parley.message.received.v2', (p) => p.messageId === post.platformMessageId)).toEqual([]);
  });

  it('edits and deletes the fallback posts of a message as the service account; a refusal fails with Graph\'s reason', async () => {
    const voiceless = randomUUID();
    const target = { kind: 'open' as const, conversationKind: 'group' as const, memberPlatformUserIds: [ada.guestId, frances.id, grace.id] };
    const posted = await deliver(request({ senderPersonId: voiceless, senderDisplayName: 'Mio', target, recipientPlatformUserIds: [frances.id, grace.id], body: { format: 'plain', content: 'v1' } }));
    const posts = posted.fallbackPosts as { conversationId: string; platformMessageId: string }[];
    // The relay sends the change with the message's link (its first fallback post) and the open target.
    const edited = await deliver(request({ senderPersonId: voiceless, senderDisplayName: 'Mio', target, change: 'edit', targetMessageId: posted.platformMessageId, body: { format: 'plain', content: 'v2 <b>' } }));
    expect(edited).toMatchObject({ outcome: 'delivered', voice: 'fallback', platformMessageId: posted.platformMessageId, conversation: { conversationId: posts[0]?.conversationId } });
    for (const [reader, post] of [[frances, posts[0]], [grace, posts[1]]] as const) {
      const seen = await messageAs(reader, post?.conversationId as string, post?.platformMessageId as string);
      expect([seen.from?.user?.id, seen.body.content, seen.lastEditedDateTime !== null]).toEqual([ownerId, '<p><strong>Mio</strong></p><p>v2 &lt;b&gt;</p>', true]);
    }
    const deleted = await deliver(request({ senderPersonId: voiceless, senderDisplayName: 'Mio', target, change: 'delete', targetMessageId: posted.platformMessageId, body: undefined }));
    expect(deleted).toMatchObject({ outcome: 'delivered', voice: 'fallback' });
    for (const [reader, post] of [[frances, posts[0]], [grace, posts[1]]] as const) {
      expect((await messageAs(reader, post?.conversationId as string, post?.platformMessageId as string)).deletedDateTime).not.toBeNull();
    }
    // A fallback post the service account did not write itself (the record says it did; Graph knows better): Graph's
    // refusal is the reason.
    const hers = sandbox.control.post({ as: frances.upn, chatId: posts[0]?.conversationId as string, content: 'mine' })['id'] as string;
    const dataSource = harness.connector.app.get<symbol, DataSource>(DATA_SOURCE);
    const claimed = randomUUID();
    await dataSource.query(`INSERT INTO teams_connector.relay_deliveries (delivery_id, org_id, connection_id) VALUES ($1, $2, $3)`, [claimed, org.orgId, org.connectionId]);
    await dataSource.query(
      `INSERT INTO teams_connector.relay_posts (delivery_id, slot, chat_id, sender_user_id, content_hash, message_id) VALUES ($1, $2, $3, $4, 'x', $5)`,
      [claimed, `fallback:${frances.id}`, posts[0]?.conversationId, ownerId, hers],
    );
    const refused = await deliver(request({ senderPersonId: voiceless, senderDisplayName: 'Mio', target, change: 'edit', targetMessageId: hers, body: { format: 'plain', content: 'x' } }));
    expect(refused).toMatchObject({ outcome: 'failed', reason: expect.stringMatching(/^editing the service account's post .*403.*Only the sender/) });
    expect((await messageAs(frances, posts[0]?.conversationId as string, hers)).body.content).toBe('mine');
  });

  it('falls back when Graph refuses the sender (403: no longer in the chat), and reports why', async () => {
    const theirs = sandbox.control.createChat({ members: [frances.upn, grace.upn], chatType: 'group' }).id;
    const delivered = await deliver(request({ target: { kind: 'existing', conversationId: theirs }, recipientPlatformUserIds: [frances.id, grace.id], body: { format: 'plain', content: 'refused <as> me' } }));
    expect(delivered).toMatchObject({ outcome: 'delivered', voice: 'fallback', conversation: { conversationId: theirs }, reason: expect.stringContaining('403') });
    const seen = await messageAs(frances, delivered.fallbackPosts?.[0]?.conversationId as string, delivered.fallbackPosts?.[0]?.platformMessageId as string);
    expect(seen.body.content).toBe('<p><strong>Ada Lovelace</strong></p><p>refused &lt;as&gt; me</p>');
    expect(delivered.fallbackPosts?.map((p) => p.conversationId)).not.toContain(theirs);
    expect(await messagesAs(frances, theirs)).toEqual([]);
  });

  it('completes a delivery once: a second completion is refused, so its outcome is published once', async () => {
    const dataSource = harness.connector.app.get<symbol, DataSource>(DATA_SOURCE);
    const deliveryId = randomUUID();
    await store.beginDelivery(deliveryId, org.orgId, org.connectionId, null);
    const opening = await store.markOpening(deliveryId);
    expect(opening).toBeInstanceOf(Date);
    expect(await store.markOpening(deliveryId)).toEqual(opening);
    expect(await inTransaction(dataSource, (manager) => store.complete(manager, deliveryId, 'delivered'))).toBe(true);
    expect(await inTransaction(dataSource, (manager) => store.complete(manager, deliveryId, 'failed'))).toBe(false);
  });

  it('begins a delivery another replica is recording at the same moment: both get the one row', async () => {
    const dataSource = harness.connector.app.get<symbol, DataSource>(DATA_SOURCE);
    const deliveryId = randomUUID();
    const other = dataSource.createQueryRunner();
    await other.connect();
    try {
      await other.startTransaction();
      await other.query('INSERT INTO teams_connector.relay_deliveries (delivery_id, org_id, connection_id, chat_id) VALUES ($1, $2, $3, NULL)', [deliveryId, org.orgId, org.connectionId]);
      // Waits on the other's uncommitted row; once it commits, the insert does nothing and the statement's snapshot,
      // taken before that commit, cannot see the row either: the store reads it again.
      const begun = store.beginDelivery(deliveryId, org.orgId, org.connectionId, null);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await other.commitTransaction();
      await expect(begun).resolves.toMatchObject({ deliveryId, completedAt: null });
    } finally {
      await other.release();
    }
  });

  it('posts a notice once per notice id, escaped, with the link it builds', async () => {
    const notice: PayloadIn<'parley.teams.notice.requested.v1'> = {
      orgId: org.orgId,
      connectionId: org.connectionId,
      noticeId: randomUUID(),
      recipientPersonId: randomUUID(),
      recipientPlatformUserId: frances.id,
      reason: 'consent-needed',
      text: 'Give <script>consent</script> & <at id="0">x</at>',
      link: { url: 'https://parley.example.com/auth/slack/start?state=a&b="c"', label: 'Connect <Slack>' },
      requestedAt: new Date().toISOString(),
    };
    await harness.publish('parley.teams.notice.requested.v1', notice);
    await harness.publish('parley.teams.notice.requested.v1', notice);
    for (const deadline = Date.now() + 30_000; !(await store.delivery(notice.noticeId))?.completedAt; ) {
      if (Date.now() > deadline) throw new Error('the notice was not posted');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const chatId = (await store.delivery(notice.noticeId))?.chatId as string;
    const messages = await messagesAs(frances, chatId);
    const notices = messages.filter((m) => m.body.content.includes('consent'));
    expect(notices).toHaveLength(1);
    expect(notices[0]?.from?.user?.id).toBe(ownerId);
    expect(notices[0]?.body.content).toBe(
      '<p>Give &lt;script&gt;consent&lt;/script&gt; &amp; &lt;at id=&quot;0&quot;&gt;x&lt;/at&gt;</p><p><a href="https://parley.example.com/auth/slack/start?state=a&amp;b=&quot;c&quot;">Connect &lt;Slack&gt;</a></p>',
    );
    expect(notices[0]?.mentions).toEqual([]);
  });

  it('fails a notice to the service account itself with a clear reason, opening no chat', async () => {
    const poster = harness.connector.app.get(NoticePoster);
    const notice: PayloadIn<'parley.teams.notice.requested.v1'> = {
      orgId: org.orgId,
      connectionId: org.connectionId,
      noticeId: randomUUID(),
      recipientPersonId: randomUUID(),
      recipientPlatformUserId: ownerId,
      reason: 'consent-needed',
      text: 'Give consent',
      requestedAt: new Date().toISOString(),
    };
    // Opening a chat of the account with itself would be refused by Graph ("duplicate users"): it is not even asked.
    sandbox.inspect.recordRequests(true);
    sandbox.inspect.requests().length = 0;
    try {
      expect(await poster.post(notice as Payload<'parley.teams.notice.requested.v1'>)).toBe('failed');
      expect(sandbox.inspect.requests().filter((r) => r.method === 'POST' && /\/chats$/.test(r.path))).toEqual([]);
    } finally {
      sandbox.inspect.recordRequests(false);
    }
    expect(await store.delivery(notice.noticeId)).toMatchObject({ chatId: null, completedAt: expect.any(Date) });
    expect(await poster.post(notice as Payload<'parley.teams.notice.requested.v1'>)).toBe('duplicate');
  });

  describe('in a channel ({teamId}/{channelId}, an empty recipient list)', () => {
    const babbage = { personId: randomUUID(), guestId: '' };
    let channelId = '';
    let teamId = '';
    let channel = '';
    const inChannel = (overrides: Partial<Deliver>): Deliver => request({ target: { kind: 'existing', conversationId: channel }, recipientPlatformUserIds: [], ...overrides });
    const channelPath = (): string => `/teams/${encodeURIComponent(teamId)}/channels/${encodeURIComponent(channelId)}/messages`;
    const channelMessageAs = async (reader: { token: string }, id: string, rootId?: string): Promise<GraphMessage> =>
      (await harness.graph<GraphMessage>(rootId ? `${channelPath()}/${rootId}/replies/${id}` : `${channelPath()}/${id}`, reader.token)).body;
    const repliesAs = async (reader: { token: string }, rootId: string): Promise<GraphMessage[]> =>
      (await harness.graph<{ value: GraphMessage[] }>(`${channelPath()}/${rootId}/replies?$top=50`, reader.token)).body.value;
    let rootId = '';

    beforeAll(async () => {
      teamId = org.credentials.teamId;
      channelId = org.credentials.generalChannelId;
      channel = teamsChannelConversationId(teamId, channelId);
      // A guest made without any team: Graph refuses their channel post until the team owner adds them.
      const syncId = randomUUID();
      await harness.publish('parley.teams.guest.create.requested.v1', {
        orgId: org.orgId,
        syncId,
        personId: babbage.personId,
        connectionId: org.connectionId,
        email: `babbage@${org.domain}`,
        displayName: 'Charles Babbage',
        teamIds: [],
      });
      const [created] = await harness.log.waitFor('parley.teams.guest.created.v1', (p) => p.syncId === syncId, 60_000);
      babbage.guestId = created?.guestUserId as string;
    }, 120_000);

    it('posts as a guest not yet in the team: the team owner adds them, then the post is theirs', async () => {
      const members = async () => (await harness.graph<{ value: { userId: string; roles: string[] }[] }>(`/teams/${teamId}/members`, frances.token)).body.value;
      expect((await members()).map((m) => m.userId)).not.toContain(babbage.guestId);
      const delivered = await deliver(inChannel({ senderPersonId: babbage.personId, senderDisplayName: 'Charles Babbage', body: { format: 'teams-html', content: '<p>hello <at id="0">Frances</at></p>', mentions: [{ id: 0, mentionText: 'Frances', userId: frances.id }] } }));
      expect(delivered).toMatchObject({ outcome: 'delivered', voice: 'person', conversation: { platform: 'teams', conversationId: channel }, platformMessageId: expect.any(String) });
      expect((await members()).find((m) => m.userId === babbage.guestId)?.roles).toEqual(['guest']);
      const seen = await channelMessageAs(frances, delivered.platformMessageId as string);
      expect([seen.from?.user?.id, seen.body.content, seen.mentions.map((m) => m.mentioned.user.id)]).toEqual([babbage.guestId, '<p>hello <at id="0">Frances</at></p>', [frances.id]]);
      // Recorded where the echo check looks: Parley does not relay its own channel post back.
      expect(await store.isOwnMessage(channel, delivered.platformMessageId as string)).toBe(true);
      rootId = delivered.platformMessageId as string;
    });

    it('posts in a private channel as a team member outside it: the team owner adds them to the channel first', async () => {
      const owner = { token: sandbox.control.token({ clientId: org.credentials.clientId, tenantId: org.credentials.customerTenantId, as: org.owner.username }) };
      const created = await harness.graph<{ id: string }>(`/teams/${encodeURIComponent(teamId)}/channels`, owner.token, { method: 'POST', body: { displayName: `private ${randomUUID().slice(0, 8)}`, membershipType: 'private' } });
      const privateChannel = teamsChannelConversationId(teamId, created.body.id);
      const membersPath = `/teams/${encodeURIComponent(teamId)}/channels/${encodeURIComponent(created.body.id)}/members`;
      const members = async () => (await harness.graph<{ value: { userId: string; roles: string[] }[] }>(membersPath, owner.token)).body.value.map((m) => [m.userId, m.roles]);
      expect(await members()).toEqual([[ownerId, ['owner']]]);
      const delivered = await deliver(inChannel({ target: { kind: 'existing', conversationId: privateChannel }, body: { format: 'plain', content: 'in private' } }));
      expect(delivered).toMatchObject({ outcome: 'delivered', voice: 'person', conversation: { conversationId: privateChannel } });
      expect(await members()).toEqual([
        [ownerId, ['owner']],
        [ada.guestId, ['guest']],
      ]);
      const seen = (await harness.graph<GraphMessage>(`/teams/${encodeURIComponent(teamId)}/channels/${encodeURIComponent(created.body.id)}/messages/${delivered.platformMessageId as string}`, owner.token)).body;
      expect([seen.from?.user?.id, seen.body.content]).toEqual([ada.guestId, 'in private']);
    });

    it('fails with both refusals when neither the sender nor the service account may post in a private channel', async () => {
      // Frances's private channel: the team owner is not in it, so can neither add Ada's guest nor post there itself.
      const created = await harness.graph<{ id: string }>(`/teams/${encodeURIComponent(teamId)}/channels`, frances.token, { method: 'POST', body: { displayName: `hers ${randomUUID().slice(0, 8)}`, membershipType: 'private' } });
      const hers = teamsChannelConversationId(teamId, created.body.id);
      const delivered = await deliver(inChannel({ target: { kind: 'existing', conversationId: hers }, body: { format: 'plain', content: 'let me in' } }));
      expect(delivered).toMatchObject({ outcome: 'failed', conversation: { conversationId: hers } });
      expect(delivered.reason).toMatch(/^posting for the sender in channel .* as the service account: .*403.*not a member of this private channel/);
      expect(delivered.reason).toMatch(/because Graph refused the sender's token \(403.*reading the channel as the team owner was refused: Graph answered 403/);
      expect((await harness.graph<{ value: GraphMessage[] }>(`/teams/${encodeURIComponent(teamId)}/channels/${encodeURIComponent(created.body.id)}/messages`, frances.token)).body.value).toEqual([]);
      // Nobody was added.
      const members = (await harness.graph<{ value: { userId: string }[] }>(`/teams/${encodeURIComponent(teamId)}/channels/${encodeURIComponent(created.body.id)}/members`, frances.token)).body.value;
      expect(members.map((m) => m.userId)).toEqual([frances.id]);
    });

    it('replies under a root, then edits and deletes the reply, as the guest', async () => {
      const reply = await deliver(inChannel({ threadRootId: rootId, body: { format: 'plain', content: 'a reply' } }));
      expect(reply).toMatchObject({ outcome: 'delivered', voice: 'person', conversation: { conversationId: channel } });
      const id = reply.platformMessageId as string;
      const seen = await channelMessageAs(frances, id, rootId);
      expect([seen.from?.user?.id, seen.replyToId, seen.body.content]).toEqual([ada.guestId, rootId, 'a reply']);
      expect(await store.isOwnMessage(channel, id)).toBe(true);

      const edited = await deliver(inChannel({ threadRootId: rootId, change: 'edit', targetMessageId: id, body: { format: 'teams-html', content: '<p>an edited reply</p>' } }));
      expect(edited).toMatchObject({ outcome: 'delivered', platformMessageId: id });
      const after = await channelMessageAs(frances, id, rootId);
      expect([after.body.content, after.lastEditedDateTime !== null]).toEqual(['<p>an edited reply</p>', true]);

      const deleted = await deliver(inChannel({ threadRootId: rootId, change: 'delete', targetMessageId: id, body: undefined }));
      expect(deleted.outcome).toBe('delivered');
      expect((await channelMessageAs(frances, id, rootId)).deletedDateTime).not.toBeNull();
      // The root was left alone.
      expect((await channelMessageAs(frances, rootId)).deletedDateTime).toBeNull();
    });

    it('falls back to the team owner in the channel, headed with the sender\'s name; the owner edits and deletes it', async () => {
      const voiceless = randomUUID(); // identity answers 409 needs-attention: it holds no credential for them
      const asMio = { senderPersonId: voiceless, senderDisplayName: 'Mio <Person>', threadRootId: rootId };
      const delivered = await deliver(
        inChannel({ ...asMio, body: { format: 'teams-html', content: '<p>for <at id="0">Grace</at></p>', mentions: [{ id: 0, mentionText: 'Grace', userId: grace.id }] } }),
      );
      expect(delivered).toMatchObject({ outcome: 'delivered', voice: 'fallback', conversation: { conversationId: channel }, reason: expect.stringContaining('cannot sign in') });
      const id = delivered.platformMessageId as string;
      expect(delivered.fallbackPosts).toEqual([{ conversationId: channel, platformMessageId: id }]);
      const seen = await channelMessageAs(grace, id, rootId);
      expect([seen.from?.user?.id, seen.replyToId, seen.body.content, seen.mentions]).toEqual([ownerId, rootId, '<p><strong>Mio &lt;Person&gt;</strong></p><p>for Grace</p>', []]);
      expect(await store.isOwnMessage(channel, id)).toBe(true);

      const edited = await deliver(inChannel({ ...asMio, change: 'edit', targetMessageId: id, body: { format: 'plain', content: 'v2' } }));
      expect(edited).toMatchObject({ outcome: 'delivered', voice: 'fallback', platformMessageId: id });
      expect((await channelMessageAs(grace, id, rootId)).body.content).toBe('<p><strong>Mio &lt;Person&gt;</strong></p><p>v2</p>');
      const deleted = await deliver(inChannel({ ...asMio, change: 'delete', targetMessageId: id, body: undefined }));
      expect(deleted).toMatchObject({ outcome: 'delivered', voice: 'fallback' });
      expect((await channelMessageAs(grace, id, rootId)).deletedDateTime).not.toBeNull();
    });

    it('reconciles a crash between a reply\'s post and its record: the reply is found under the root, not posted again', async () => {
      const crashed = inChannel({ threadRootId: rootId, body: { format: 'plain', content: 'crashed mid-reply' } });
      await store.beginDelivery(crashed.deliveryId, org.orgId, org.connectionId, channel);
      await store.preparePost(crashed.deliveryId, 'message', channel, ada.guestId, contentHash('crashed mid-reply', crashed.deliveryId));
      await store.beginAttempt(crashed.deliveryId, 'message');
      const landed = sandbox.control.post({ as: ada.guestId, teamId, channelId, replyToId: rootId, content: 'crashed mid-reply' });
      const delivered = await deliver(crashed);
      expect(delivered).toMatchObject({ outcome: 'delivered', voice: 'person', platformMessageId: landed['id'] });
      expect((await repliesAs(frances, rootId)).filter((m) => m.body.content === 'crashed mid-reply').map((m) => m.id)).toEqual([landed['id']]);
      expect(await store.isOwnMessage(channel, landed['id'] as string)).toBe(true);
    });

    it('reads the channel back after a post whose answer was lost, and does not post again', async () => {
      sandbox.setFaults({ lostResponses: 1, lostResponsesFor: '^POST /teams/[^/]+/channels/[^/]+/messages$' });
      const delivered = await deliver(inChannel({ body: { format: 'plain', content: 'channel answer lost' } }));
      expect(delivered.outcome).toBe('delivered');
      const top = (await harness.graph<{ value: GraphMessage[] }>(`${channelPath()}?$top=50`, frances.token)).body.value;
      expect(top.filter((m) => m.body.content === 'channel answer lost').map((m) => m.id)).toEqual([delivered.platformMessageId]);
      expect((await store.posts(delivered.deliveryId)).map((p) => [p.attempts, p.messageId])).toEqual([[1, delivered.platformMessageId]]);
    });

    it('waits out a 429 on a channel post and then delivers, once', async () => {
      sandbox.inspect.resetStatusCounts();
      sandbox.setFaults({ throttleBurst: 2, throttleBurstRetryAfterMs: 2000 });
      const delivered = await deliver(inChannel({ body: { format: 'plain', content: 'channel after a 429' } }));
      expect(delivered).toMatchObject({ outcome: 'delivered', voice: 'person' });
      expect(sandbox.inspect.statusCounts()[429]).toBe(2);
      const top = (await harness.graph<{ value: GraphMessage[] }>(`${channelPath()}?$top=50`, frances.token)).body.value;
      expect(top.filter((m) => m.body.content === 'channel after a 429').map((m) => m.id)).toEqual([delivered.platformMessageId]);
    });

    it('paces posts in one channel per user and per channel up front: Graph answers no 429', async () => {
      sandbox.inspect.resetStatusCounts();
      const commands = Array.from({ length: 6 }, (_, i) => inChannel({ threadRootId: rootId, body: { format: 'plain', content: `channel burst ${i}` } }));
      await Promise.all(commands.map((c) => harness.publish('parley.teams.message.deliver.requested.v1', c)));
      const ids = new Set(commands.map((c) => c.deliveryId));
      const delivered = await harness.log.waitFor('parley.message.delivered.v1', (p) => ids.has(p.deliveryId), 60_000, commands.length);
      expect(delivered.every((d) => d.outcome === 'delivered' && d.voice === 'person')).toBe(true);
      expect(sandbox.inspect.statusCounts()[429] ?? 0).toBe(0);
      const burst = (await repliesAs(frances, rootId)).filter((m) => m.body.content.startsWith('channel burst')).map((m) => m.body.content).reverse();
      expect(burst).toEqual(Array.from({ length: 6 }, (_, i) => `channel burst ${i}`));
    });
  });

  describe('with files (parley.teams.message.deliver.requested.v2, bytes from slack-connector\'s fileContent route)', () => {
    type DeliverV2 = PayloadIn<'parley.teams.message.deliver.requested.v2'>;
    type DeliveredV2 = Payload<'parley.message.delivered.v2'>;
    type WithFiles = Omit<GraphMessage, 'attachments'> & { attachments: { id: string; contentType: string; contentUrl: string; name: string }[] };
    const slackConnection = randomUUID();
    const png = randomBytes(40_000);
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(5 * 1024 * 1024)]);
    let channel = '';
    const channelBase = () => `/teams/${encodeURIComponent(org.credentials.teamId)}/channels/${encodeURIComponent(org.credentials.generalChannelId)}/messages`;
    const withFiles = (overrides: Partial<DeliverV2>, files: DeliverV2['files']): DeliverV2 => ({
      ...request({}),
      files,
      filesFrom: { platform: 'slack', connectionId: slackConnection },
      ...overrides,
    });
    const deliverV2 = async (command: DeliverV2): Promise<DeliveredV2> => {
      await harness.publish('parley.teams.message.deliver.requested.v2', command);
      const [delivered] = await harness.log.waitFor('parley.message.delivered.v2', (p) => p.deliveryId === command.deliveryId, 90_000);
      return delivered as DeliveredV2;
    };
    const image = { ref: `F${randomUUID().slice(0, 8)}img`, name: 'mockup.png', mimeType: 'image/png', sizeBytes: png.length, kind: 'image' as const };
    const document = { ref: `F${randomUUID().slice(0, 8)}pdf`, name: 'spec: v2.pdf', mimeType: 'application/pdf', sizeBytes: pdf.length, kind: 'file' as const };

    beforeAll(() => {
      channel = teamsChannelConversationId(org.credentials.teamId, org.credentials.generalChannelId);
      harness.slackFiles.put(image.ref, png, 'image/png');
      harness.slackFiles.put(document.ref, pdf, 'application/pdf');
    });

    it('posts in a channel as the sender: the image inline, the file uploaded to the channel\'s folder (upload session) and attached, in one message', async () => {
      const command = withFiles({ target: { kind: 'existing', conversationId: channel }, recipientPlatformUserIds: [], body: { format: 'plain', content: 'the mockups & spec' } }, [image, document]);
      const delivered = await deliverV2(command);
      expect(delivered).toMatchObject({ outcome: 'delivered', voice: 'person', conversation: { conversationId: channel } });
      expect(delivered.filesNotCarried).toBeUndefined();
      expect(harness.slackFiles.reads.filter((r) => r.connectionId === slackConnection).map((r) => r.ref)).toEqual([image.ref, document.ref]);
      // As Frances sees it: from Ada's guest, the text, the image inline, the file attached.
      const seen = (await harness.graph<WithFiles>(`${channelBase()}/${delivered.platformMessageId}`, frances.token)).body;
      expect(seen.from?.user?.id).toBe(ada.guestId);
      expect(seen.body.content).toContain('<p>the mockups &amp; spec</p>');
      const src = /<img src="([^"]+)"/.exec(seen.body.content)?.[1] as string;
      const shown = await harness.graphBytes(src, frances.token);
      expect([shown.status, shown.contentType, shown.bytes.equals(png)]).toEqual([200, 'image/png', true]);
      expect(seen.attachments).toEqual([expect.objectContaining({ contentType: 'reference', name: 'spec_ v2.pdf' })]);
      const attached = seen.attachments[0] as { contentUrl: string };
      expect(attached.contentUrl).toMatch(/\/Shared%20Documents\/General\/Parley\//);
      const shareId = `u!${Buffer.from(attached.contentUrl).toString('base64url')}`;
      const file = await harness.graphBytes(`/shares/${shareId}/driveItem/content`, frances.token);
      expect([file.status, file.bytes.equals(pdf)]).toEqual([200, true]);
      const item = (await harness.graph<{ createdBy: { user: { id: string } } }>(`/shares/${shareId}/driveItem`, frances.token)).body;
      expect(item.createdBy.user.id).toBe(ada.guestId);
      expect(await store.isOwnMessage(channel, delivered.platformMessageId as string)).toBe(true);
    });

    it('in a chat the image goes inline; a guest has no OneDrive, so the file is not carried, named in the message and in filesNotCarried', async () => {
      const command = withFiles({ body: { format: 'teams-html', content: '<p>for you</p>' } }, [image, document]);
      const delivered = await deliverV2(command);
      expect(delivered).toMatchObject({ outcome: 'delivered', voice: 'person' });
      expect(delivered.filesNotCarried).toEqual([{ ref: document.ref, reason: expect.stringMatching(/no OneDrive/) }]);
      const seen = await messageAs(frances, delivered.conversation.conversationId, delivered.platformMessageId as string);
      expect(seen.from?.user?.id).toBe(ada.guestId);
      expect(seen.body.content).toMatch(/^<p>for you<\/p><p><img src="[^"]+\/hostedContents\/[^"]+\/\$value" alt="mockup.png"><\/p><p><em>Not attached: spec: v2.pdf<\/em><\/p>$/);
      expect(seen.attachments).toEqual([]);
    });

    it('a file the source no longer has is not carried; the message goes with the rest', async () => {
      const gone = { ...image, ref: 'Fgone0001', name: 'gone.png' };
      const delivered = await deliverV2(withFiles({ target: { kind: 'existing', conversationId: channel }, recipientPlatformUserIds: [], body: { format: 'plain', content: 'one is gone' } }, [gone, image]));
      expect(delivered).toMatchObject({ outcome: 'delivered', filesNotCarried: [{ ref: 'Fgone0001', reason: 'the file is no longer available where it was shared' }] });
      const seen = (await harness.graph<GraphMessage>(`${channelBase()}/${delivered.platformMessageId}`, frances.token)).body;
      expect(seen.body.content.match(/<img /g)).toHaveLength(1);
      expect(seen.body.content).toContain('Not attached: gone.png');
    });

    it('a lost upload answer retries the delivery, which replaces the same file; a lost post answer is read back: one message, one file', async () => {
      const notes = { ...document, ref: `F${randomUUID().slice(0, 8)}md`, name: 'notes.md', mimeType: 'text/markdown', sizeBytes: 5 };
      harness.slackFiles.put(notes.ref, Buffer.from('# hi\n'), 'text/markdown');
      sandbox.inspect.recordRequests(true);
      sandbox.setFaults({ lostResponses: 1, lostResponsesFor: '^PUT /drives/.+/content$' });
      const first = await deliverV2(withFiles({ target: { kind: 'existing', conversationId: channel }, recipientPlatformUserIds: [], body: { format: 'plain', content: 'upload answer lost' } }, [notes]));
      expect(first).toMatchObject({ outcome: 'delivered', voice: 'person' });
      expect(first.filesNotCarried).toBeUndefined();
      // The upload went twice (its first answer lost), the same path both times.
      const uploads = sandbox.inspect.requests().filter((r) => r.method === 'PUT' && r.path.includes(`/Parley/${first.deliveryId}/`));
      expect(uploads.length).toBe(2);
      sandbox.inspect.recordRequests(false);
      sandbox.setFaults({ lostResponses: 1, lostResponsesFor: '^POST /teams/[^/]+/channels/[^/]+/messages$' });
      const second = await deliverV2(withFiles({ target: { kind: 'existing', conversationId: channel }, recipientPlatformUserIds: [], body: { format: 'plain', content: 'post answer lost' } }, [image, notes]));
      expect(second).toMatchObject({ outcome: 'delivered', voice: 'person' });
      const top = (await harness.graph<{ value: WithFiles[] }>(`${channelBase()}?$top=50`, frances.token)).body.value;
      for (const [delivered, text] of [[first, 'upload answer lost'], [second, 'post answer lost']] as const) {
        const posted = top.filter((m) => m.body.content.startsWith(`<p>${text}</p>`));
        expect(posted.map((m) => m.id)).toEqual([delivered.platformMessageId]);
        expect(posted[0]?.attachments.map((a) => a.name)).toEqual(['notes.md']);
        const folder = (await harness.graph<{ parentReference: { driveId: string }; id: string }>(`/teams/${org.credentials.teamId}/channels/${encodeURIComponent(org.credentials.generalChannelId)}/filesFolder`, frances.token)).body;
        const children = (await harness.graph<{ value: { name: string }[] }>(`/drives/${folder.parentReference.driveId}/items/${folder.id}:/Parley/${delivered.deliveryId}:/children`, frances.token)).body.value;
        expect(children.map((c) => c.name)).toEqual(['notes.md']);
      }
    });

    it("without a voice in a chat, the service account posts the file from its OneDrive, shared with the recipient, who opens it", async () => {
      const report = { ...document, ref: `F${randomUUID().slice(0, 8)}csv`, name: 'report.csv', mimeType: 'text/csv', sizeBytes: 8 };
      harness.slackFiles.put(report.ref, Buffer.from('a,b\n1,2\n'), 'text/csv');
      const delivered = await deliverV2(withFiles({ senderPersonId: randomUUID(), senderDisplayName: 'Mio', body: { format: 'plain', content: 'numbers' } }, [report]));
      expect(delivered).toMatchObject({ outcome: 'delivered', voice: 'fallback' });
      expect(delivered.filesNotCarried).toBeUndefined();
      const post = delivered.fallbackPosts?.[0] as { conversationId: string; platformMessageId: string };
      const seen = (await harness.graph<WithFiles>(`/chats/${encodeURIComponent(post.conversationId)}/messages/${post.platformMessageId}`, frances.token)).body;
      expect(seen.from?.user?.id).toBe(ownerId);
      expect(seen.attachments.map((a) => [a.contentType, a.name])).toEqual([['reference', 'report.csv']]);
      expect(seen.attachments[0]?.contentUrl).toMatch(/-my\.sharepoint\.test\/personal\/.+\/Microsoft%20Teams%20Chat%20Files\/Parley\//);
      const shareId = `u!${Buffer.from(seen.attachments[0]?.contentUrl as string).toString('base64url')}`;
      const opened = await harness.graphBytes(`/shares/${shareId}/driveItem/content`, frances.token);
      expect([opened.status, opened.bytes.toString()]).toEqual([200, 'a,b\n1,2\n']);
      // Grace is not in that chat: the file was not shared with her.
      expect((await harness.graphBytes(`/shares/${shareId}/driveItem/content`, grace.token)).status).toBe(403);
    });

    it('without a voice, the service account posts in the channel with the files, headed with the sender\'s name', async () => {
      const small = { ...document, ref: `F${randomUUID().slice(0, 8)}txt`, name: 'notes.txt', mimeType: 'text/plain', sizeBytes: 12 };
      harness.slackFiles.put(small.ref, Buffer.from('twelve bytes'), 'text/plain');
      const delivered = await deliverV2(withFiles({ target: { kind: 'existing', conversationId: channel }, recipientPlatformUserIds: [], senderPersonId: randomUUID(), senderDisplayName: 'Mio', body: undefined }, [image, small]));
      expect(delivered).toMatchObject({ outcome: 'delivered', voice: 'fallback' });
      const seen = (await harness.graph<WithFiles>(`${channelBase()}/${delivered.platformMessageId}`, grace.token)).body;
      expect(seen.from?.user?.id).toBe(ownerId);
      expect(seen.body.content).toMatch(/^<p><strong>Mio<\/strong><\/p><p><img src=/);
      expect(seen.attachments.map((a) => a.name)).toEqual(['notes.txt']);
      const shareId = `u!${Buffer.from(seen.attachments[0]?.contentUrl as string).toString('base64url')}`;
      expect((await harness.graphBytes(`/shares/${shareId}/driveItem/content`, grace.token)).bytes.toString()).toBe('twelve bytes');
    });
  });
});

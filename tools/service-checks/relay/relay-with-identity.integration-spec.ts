import type { Payload, PayloadIn } from '@parley/contracts';
import { conversationPage, resolvedPeople, type ConversationPage, type RelayedMessagePage } from '@parley/internal-api';
import type { InProcessBus } from '@parley/messaging';
import { queryRows, type FreshDatabase } from '@parley/testing';
import type { InProcessService } from '@parley/testing-in-process';
import { eventually, internalCall as call, startRelayHarness, type RelayHarness, type Seen } from './relay-harness';

// relay and the real identity in-process, on real PostgreSQL with the in-process bus (relay-harness.ts). The test
// stands in for the connectors: it publishes what they would have seen and delivered, and records what the relay asks
// of them.
describe('relay service', () => {
  let harness: RelayHarness;
  let relayDb: FreshDatabase;
  let identity: InProcessService;
  let relay: InProcessService;
  let connectors: InProcessBus;
  let delivers: Seen[];
  let notices: Payload<'parley.slack.notice.requested.v1'>[];
  let reactionRequests: RelayHarness['reactionRequests'];
  let orgId: string;
  let slackConnectionId: string;
  let teamsConnectionId: string;
  let received: RelayHarness['received'];
  let delivered: RelayHarness['delivered'];
  let settle: RelayHarness['settle'];
  let conversations: () => Promise<ConversationPage>;
  let messagesOf: (id: string, query?: string) => Promise<RelayedMessagePage>;

  beforeAll(async () => {
    harness = await startRelayHarness();
    ({ relayDb, identity, relay, connectors, delivers, notices, reactionRequests, orgId, slackConnectionId, teamsConnectionId, received, delivered, settle, conversations, messagesOf } =
      harness);
  }, 180_000);

  afterAll(async () => {
    await harness?.stop();
  });

  it('carries a Slack DM to Teams as the sender: opens the chat first, one delivery in flight, an edit after its link', async () => {
    const dm = { platform: 'slack' as const, conversationId: 'D0ADAFRA', kind: 'dm' as const, members: ['U0ADA', 'W0FRA'] };
    await received({ conversation: dm, messageId: '100.1', senderPlatformUserId: 'U0ADA', body: { format: 'slack-mrkdwn', content: 'hello *Frances*' } });
    await received({ conversation: dm, messageId: '100.2', senderPlatformUserId: 'U0ADA', body: { format: 'slack-mrkdwn', content: 'second <@W0FRA>' } });
    await received({ conversation: dm, messageId: '100.1', senderPlatformUserId: 'U0ADA', change: 'edited', body: { format: 'slack-mrkdwn', content: 'hello _Frances_' } });

    const first = await settle(1);
    expect(first).toMatchObject({
      topic: 'teams',
      payload: {
        orgId,
        connectionId: teamsConnectionId,
        target: { kind: 'open', conversationKind: 'dm', memberPlatformUserIds: ['aad-ada-guest', 'aad-frances'] },
        change: 'create',
        senderDisplayName: 'Ada Lovelace',
        recipientPlatformUserIds: ['aad-frances'],
        body: { format: 'teams-html', content: expect.stringContaining('<strong>Frances</strong>') },
      },
    });
    // The twin exists and waits for its Teams side.
    const [twin] = (await conversations()).items;
    expect(twin).toMatchObject({ kind: 'dm', slack: { conversationId: 'D0ADAFRA' }, teams: { conversationId: null } });
    expect((await messagesOf(twin?.id as string)).items.map((m) => [m.source.messageId, m.state])).toEqual([
      ['100.2', 'pending'],
      ['100.1', 'pending'],
    ]);

    await delivered(first.payload, '19:adafra@unq.gbl.spaces', { platformMessageId: 'T-1' });
    const second = await settle(2);
    expect(second.payload).toMatchObject({
      target: { kind: 'existing', conversationId: '19:adafra@unq.gbl.spaces' },
      change: 'create',
      body: { content: expect.stringContaining('<at id="0">Frances Allen</at>'), mentions: [{ id: 0, mentionText: 'Frances Allen', userId: 'aad-frances' }] },
    });
    await delivered(second.payload, '19:adafra@unq.gbl.spaces', { platformMessageId: 'T-2' });
    const edit = await settle(3);
    expect(edit.payload).toMatchObject({ change: 'edit', targetMessageId: 'T-1', target: { kind: 'existing' }, body: { content: expect.stringContaining('<em>Frances</em>') } });
    await delivered(edit.payload, '19:adafra@unq.gbl.spaces', { platformMessageId: 'T-1' });
    await relay.broker.drain();

    const page = await messagesOf(twin?.id as string);
    expect(page.items.map((m) => [m.source.messageId, m.state, m.targetMessageIds])).toEqual([
      ['100.2', 'delivered', ['T-2']],
      ['100.1', 'delivered', ['T-1']],
    ]);
    expect(page.items[1]?.deliveries.map((d) => [d.change, d.state, d.targetMessageId])).toEqual([
      ['create', 'delivered', 'T-1'],
      ['edit', 'delivered', 'T-1'],
    ]);
    // Nothing said is kept: no body in any relay table, only hashes.
    const dump = JSON.stringify(await queryRows(relayDb.url, `SELECT * FROM relay.deliveries`)) + JSON.stringify(await queryRows(relayDb.url, `SELECT * FROM relay.delivery_queue`));
    expect(dump).not.toMatch(/Frances<|hello|second/);
  });

  it('carries the reply from Teams back into the same Slack DM as Frances, with mentions mapped to Slack accounts', async () => {
    const chat = { platform: 'teams' as const, conversationId: '19:adafra@unq.gbl.spaces', kind: 'dm' as const, members: ['aad-frances', 'aad-ada-guest'] };
    await received({
      conversation: chat,
      messageId: '1733000000001',
      senderPlatformUserId: 'aad-frances',
      threadRootId: 'T-1',
      body: { format: 'teams-html', content: '<p>hi <at id="0">Ada</at> &lt;!channel&gt;</p>', mentions: [{ id: 0, mentionText: 'Ada', userId: 'aad-ada-guest' }] },
    });
    const reply = await settle(4);
    expect(reply).toMatchObject({
      topic: 'slack',
      payload: {
        connectionId: slackConnectionId,
        target: { kind: 'existing', conversationId: 'D0ADAFRA' },
        change: 'create',
        // A reply to Parley's post T-1 goes under the original it stands for.
        threadRootId: '100.1',
        senderDisplayName: 'Frances Allen',
        recipientPlatformUserIds: ['U0ADA'],
        body: { format: 'slack-mrkdwn', content: 'hi <@U0ADA> &lt;!channel&gt;' },
      },
    });
    await delivered(reply.payload, 'D0ADAFRA', { platformMessageId: '200.1' });
    await relay.broker.drain();
    expect((await conversations()).items).toHaveLength(1);
  });

  it('does not relay a DM of native accounts only, and ignores a second delivery of the same platform event', async () => {
    await received({ conversation: { platform: 'slack', conversationId: 'D0ADAGRA', kind: 'dm', members: ['U0ADA', 'U0GRA'] }, messageId: '300.1', senderPlatformUserId: 'U0ADA', body: { format: 'plain', content: 'x' } });
    await received({
      conversation: { platform: 'teams', conversationId: '19:adafra@unq.gbl.spaces', kind: 'dm', members: ['aad-frances', 'aad-ada-guest'] },
      messageId: '1733000000002',
      senderPlatformUserId: 'aad-frances',
      platformEventId: 'dup-1',
      body: { format: 'plain', content: 'once' },
    });
    await received({
      conversation: { platform: 'teams', conversationId: '19:adafra@unq.gbl.spaces', kind: 'dm', members: ['aad-frances', 'aad-ada-guest'] },
      messageId: '1733000000002',
      senderPlatformUserId: 'aad-frances',
      platformEventId: 'dup-1',
      body: { format: 'plain', content: 'once' },
    });
    const once = await settle(5);
    expect(once.payload).toMatchObject({ body: { content: 'once' }, target: { kind: 'existing', conversationId: 'D0ADAFRA' } });
    await delivered(once.payload, 'D0ADAFRA', { platformMessageId: '200.2' });
    await relay.broker.drain();
  });

  it('leaves out who has no Teams account and says so once; a refused post fails with the platform reason, and so does its edit', async () => {
    const group = { platform: 'slack' as const, conversationId: 'G0GROUP', kind: 'group' as const, members: ['U0ADA', 'U0GRA', 'W0FRA', 'U0LIN'] };
    await received({ conversation: group, messageId: '400.1', senderPlatformUserId: 'U0GRA', body: { format: 'slack-mrkdwn', content: 'one' } });
    await received({ conversation: group, messageId: '400.1', senderPlatformUserId: 'U0GRA', change: 'edited', body: { format: 'slack-mrkdwn', content: 'one!' } });
    await received({ conversation: group, messageId: '400.2', senderPlatformUserId: 'U0GRA', body: { format: 'slack-mrkdwn', content: 'two' } });
    const first = await settle(6);
    expect(first.payload).toMatchObject({
      target: { kind: 'open', conversationKind: 'group', memberPlatformUserIds: ['aad-ada-guest', 'aad-grace-guest', 'aad-frances'] },
      senderDisplayName: 'Grace Hopper',
      recipientPlatformUserIds: ['aad-ada-guest', 'aad-frances'],
    });
    await eventually(() => notices.length, (n) => n >= 1, 'the unreached notice');
    expect(notices).toEqual([
      expect.objectContaining({
        connectionId: slackConnectionId,
        recipientPlatformUserId: 'U0GRA',
        reason: 'recipients-unreached',
        text: 'Linus Pauling did not get your message: they have no Teams account Parley can reach.',
        about: { conversationId: 'G0GROUP', messageId: '400.1' },
      }),
    ]);

    await connectors.publish('parley.message.delivered.v1', {
      orgId,
      deliveryId: first.payload.deliveryId,
      conversation: { platform: 'teams', conversationId: 'pending-open' },
      outcome: 'failed',
      reason: 'Forbidden: the tenant policy blocks group chats with guests',
      deliveredAt: new Date().toISOString(),
    });
    // The edit of the failed message fails without being sent; the next message tries to open the chat again.
    const next = await settle(7);
    expect(next.payload).toMatchObject({ change: 'create', target: { kind: 'open' }, body: { content: 'two' } });
    // Grace hears why her message did not arrive; the unreached notice is not repeated.
    await eventually(() => notices.length, (n) => n >= 2, 'the delivery-failed notice');
    expect(notices.slice(1)).toEqual([
      expect.objectContaining({
        noticeId: first.payload.deliveryId,
        connectionId: slackConnectionId,
        recipientPlatformUserId: 'U0GRA',
        reason: 'delivery-failed',
        text: 'Your message did not reach Teams: Forbidden: the tenant policy blocks group chats with guests',
        about: { conversationId: 'G0GROUP', messageId: '400.1' },
      }),
    ]);
    const twin = (await conversations()).items.find((c) => c.slack.conversationId === 'G0GROUP');
    const page = await messagesOf(twin?.id as string);
    expect(page.items.map((m) => [m.source.messageId, m.state, m.reason])).toEqual([
      ['400.2', 'pending', undefined],
      ['400.1', 'failed', 'the original message was not delivered (Forbidden: the tenant policy blocks group chats with guests), so the edit cannot be carried'],
    ]);
    expect(page.items[1]?.deliveries.map((d) => [d.change, d.state, d.reason])).toEqual([
      ['create', 'failed', 'Forbidden: the tenant policy blocks group chats with guests'],
      ['edit', 'failed', expect.stringMatching(/^the original message was not delivered/)],
    ]);
    await delivered(next.payload, '19:group@thread.v2', { platformMessageId: 'T-G2' });
    await relay.broker.drain();
  });

  it('sends a reply in a fallback post thread back to the original sender conversation', async () => {
    // Frances writes on Teams; Parley cannot speak as her mirror yet, so the app posts in Ada's DM with it.
    const chat = { platform: 'teams' as const, conversationId: '19:adafra@unq.gbl.spaces', kind: 'dm' as const, members: ['aad-frances', 'aad-ada-guest'] };
    await received({ conversation: chat, messageId: '1733000000003', senderPlatformUserId: 'aad-frances', body: { format: 'plain', content: 'are you there?' } });
    const toSlack = await settle(8);
    await delivered(toSlack.payload, 'D0ADAFRA', { voice: 'fallback', platformMessageId: '500.1', fallbackPosts: [{ conversationId: 'D0APPADA', platformMessageId: '500.1' }] });
    await relay.broker.drain();
    await received({
      conversation: { platform: 'slack', conversationId: 'D0APPADA', kind: 'dm', members: ['U0ADA', 'U0PARLEY'] },
      messageId: '500.2',
      threadRootId: '500.1',
      senderPlatformUserId: 'U0ADA',
      body: { format: 'slack-mrkdwn', content: 'yes!' },
    });
    const back = await settle(9);
    expect(back).toMatchObject({
      topic: 'teams',
      payload: {
        target: { kind: 'existing', conversationId: '19:adafra@unq.gbl.spaces' },
        threadRootId: '1733000000003',
        senderDisplayName: 'Ada Lovelace',
        recipientPlatformUserIds: ['aad-frances'],
        body: { format: 'teams-html', content: expect.stringContaining('yes!') },
      },
    });
    await delivered(back.payload, '19:adafra@unq.gbl.spaces', { platformMessageId: 'T-back' });
    await relay.broker.drain();
  });

  it('does not take the app DM of a fallback post for the twin side it could not open', async () => {
    const trio = { platform: 'teams' as const, conversationId: '19:trio@thread.v2', kind: 'group' as const, members: ['aad-frances', 'aad-ada-guest', 'aad-grace-guest'] };
    await received({ conversation: trio, messageId: '1733000000010', senderPlatformUserId: 'aad-frances', body: { format: 'plain', content: 'trio one' } });
    const first = await settle(10);
    expect(first.payload).toMatchObject({ target: { kind: 'open', conversationKind: 'group', memberPlatformUserIds: ['W0FRA', 'U0ADA', 'U0GRA'] } });
    await delivered(first.payload, 'D0APPADA', {
      voice: 'fallback',
      fallbackPosts: [
        { conversationId: 'D0APPADA', platformMessageId: '600.1' },
        { conversationId: 'D0APPGRA', platformMessageId: '600.2' },
      ],
    });
    await received({ conversation: trio, messageId: '1733000000011', senderPlatformUserId: 'aad-frances', body: { format: 'plain', content: 'trio two' } });
    const second = await settle(11);
    expect(second.payload).toMatchObject({ target: { kind: 'open' }, body: { content: 'trio two' } });
    expect((await conversations()).items.find((c) => c.teams.conversationId === '19:trio@thread.v2')?.slack.conversationId).toBeNull();
    await delivered(second.payload, 'C0MPIMTRIO', { platformMessageId: '601.1' });
    await relay.broker.drain();
    expect((await conversations()).items.find((c) => c.teams.conversationId === '19:trio@thread.v2')?.slack.conversationId).toBe('C0MPIMTRIO');
  });

  it('keeps each source conversation in order and one delivery in flight per lane, whatever order the connectors answer in', async () => {
    const seed = Number(process.env['RELAY_TEST_SEED'] ?? Date.now() % 100_000);
    let state = seed;
    const random = () => ((state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    const sources = [
      { conversation: { platform: 'slack' as const, conversationId: 'D0ADAFRA', kind: 'dm' as const, members: ['U0ADA', 'W0FRA'] }, sender: 'U0ADA' },
      { conversation: { platform: 'slack' as const, conversationId: 'D0GRAFRA', kind: 'dm' as const, members: ['U0GRA', 'W0FRA'] }, sender: 'U0GRA' },
      { conversation: { platform: 'teams' as const, conversationId: '19:adafra@unq.gbl.spaces', kind: 'dm' as const, members: ['aad-frances', 'aad-ada-guest'] }, sender: 'aad-frances' },
    ];
    const before = delivers.length;
    const sent: { source: number; messageId: string; change: 'created' | 'edited'; text: string }[] = [];
    for (let i = 0; i < 36; i++) {
      const source = Math.floor(random() * sources.length);
      const mine = sent.filter((m) => m.source === source && m.change === 'created');
      const edit = mine.length > 0 && random() < 0.25;
      const messageId = edit ? (mine[Math.floor(random() * mine.length)] as { messageId: string }).messageId : `900.${i}`;
      sent.push({ source, messageId, change: edit ? 'edited' : 'created', text: `m${i}` });
    }
    // Each source conversation's messages are published in order; the three conversations interleave.
    await Promise.all(
      sources.map(async (s, index) => {
        for (const m of sent.filter((x) => x.source === index)) {
          await received({ conversation: s.conversation, messageId: m.messageId, senderPlatformUserId: s.sender, change: m.change, body: { format: 'plain', content: m.text } });
        }
      }),
    );
    const acked = new Set<string>();
    const postIds = new Map<string, string>();
    const laneOf = async () =>
      new Map(
        (await queryRows<{ id: string; lane: string }>(relayDb.url, `SELECT id, twin_id::text || ':' || target_platform AS lane FROM relay.deliveries`)).map((r) => [r.id, r.lane]),
      );
    while (acked.size < sent.length) {
      await eventually(() => delivers.slice(before).filter((d) => !acked.has(d.payload.deliveryId)).length, (n) => n > 0, `a request in flight (seed ${seed})`);
      await relay.broker.drain();
      const open = delivers.slice(before).filter((d) => !acked.has(d.payload.deliveryId));
      const lanes = await laneOf();
      const perLane = new Map<string, number>();
      for (const d of open) perLane.set(lanes.get(d.payload.deliveryId) as string, (perLane.get(lanes.get(d.payload.deliveryId) as string) ?? 0) + 1);
      expect({ seed, most: Math.max(...perLane.values()) }).toEqual({ seed, most: 1 });
      const pick = open[Math.floor(random() * open.length)] as Seen;
      const conversationId = pick.payload.target.kind === 'existing' ? pick.payload.target.conversationId : '19:grafra@unq.gbl.spaces';
      const platformMessageId = pick.payload.change === 'create' ? `P-${pick.payload.deliveryId}` : (pick.payload.targetMessageId as string);
      if (pick.payload.change === 'create') postIds.set(pick.payload.body?.content as string, platformMessageId);
      acked.add(pick.payload.deliveryId);
      await delivered(pick.payload, conversationId, { platformMessageId });
    }
    await relay.broker.drain();
    const ours = delivers.slice(before);
    expect(ours).toHaveLength(sent.length);
    sources.forEach((s, index) => {
      const expected = sent.filter((m) => m.source === index).map((m) => m.text);
      const carried = ours.filter((d) => d.topic !== s.conversation.platform && d.payload.senderDisplayName === (index === 1 ? 'Grace Hopper' : index === 0 ? 'Ada Lovelace' : 'Frances Allen'));
      expect({ seed, order: carried.map((d) => d.payload.body?.content) }).toEqual({ seed, order: expected });
    });
    // Every edit went to the post of the message it changes.
    for (const m of sent.filter((x) => x.change === 'edited')) {
      const original = sent.find((x) => x.change === 'created' && x.messageId === m.messageId && x.source === m.source) as { text: string };
      const edit = ours.find((d) => d.payload.body?.content === m.text) as Seen;
      expect({ seed, edit: m.text, target: edit.payload.targetMessageId }).toEqual({ seed, edit: m.text, target: postIds.get(original.text) });
    }
  });

  it('pages conversations and messages with a cursor, scoped to the org, and refuses a bad cursor', async () => {
    const twins: string[] = [];
    let next: string | null = null;
    do {
      const page: ConversationPage = conversationPage.parse((await call(relay.url, 'GET', `/internal/orgs/${orgId}/conversations?limit=1${next ? `&cursor=${next}` : ''}`)).body);
      expect(page.items.length).toBeLessThanOrEqual(1);
      twins.push(...page.items.map((c) => c.id));
      next = page.nextCursor;
    } while (next);
    expect(twins).toEqual((await conversations()).items.map((c) => c.id));
    expect(twins).toHaveLength(4);
    const dm = (await conversations()).items.find((c) => c.slack.conversationId === 'D0ADAFRA') as { id: string };
    const all = await messagesOf(dm.id, '?limit=200');
    let cursor: string | null = null;
    const paged: string[] = [];
    do {
      const page: RelayedMessagePage = await messagesOf(dm.id, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...page.items.map((m) => m.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all.items.map((m) => m.id));
    expect((await call(relay.url, 'GET', `/internal/orgs/org_SomeoneElse0001/conversations/${dm.id}/messages`)).status).toBe(404);
    expect((await call(relay.url, 'GET', `/internal/orgs/org_SomeoneElse0001/conversations`)).body).toEqual({ items: [], nextCursor: null });
    expect((await call(relay.url, 'GET', `/internal/orgs/${orgId}/conversations?cursor=nope`)).status).toBe(400);
    expect((await fetch(`${relay.url}/internal/orgs/${orgId}/conversations`)).status).toBe(401);
    // identity's bulk lookup is scoped to the org and names a bad field.
    expect((await call(identity.url, 'POST', `/internal/orgs/org_SomeoneElse0001/people/resolve`, { platform: 'slack', platformUserIds: ['U0ADA'] })).body).toEqual({ items: [] });
    const bad = await call(identity.url, 'POST', `/internal/orgs/${orgId}/people/resolve`, { platform: 'zoom', platformUserIds: [] });
    expect(bad.status).toBe(400);
    expect((bad.body as { errors: { field: string }[] }).errors.map((e) => e.field).sort()).toEqual(['platform', 'platformUserIds']);
  });

  it('carries reactions both ways as the same person, once their message is across, and says why when it cannot (ADR 0032)', async () => {
    const slackDm = { platform: 'slack' as const, conversationId: 'D0GRAFRA2', kind: 'dm' as const, members: ['U0GRA', 'W0FRA'] };
    const teamsChat = { platform: 'teams' as const, conversationId: '19:grafra2@unq.gbl.spaces', kind: 'dm' as const, members: ['aad-frances', 'aad-grace-guest'] };
    const personOf = async (platform: 'slack' | 'teams', id: string) =>
      resolvedPeople.parse((await call(identity.url, 'POST', `/internal/orgs/${orgId}/people/resolve`, { platform, platformUserIds: [id] })).body).items[0]?.person.id as string;
    const [grace, frances] = [await personOf('slack', 'U0GRA'), await personOf('teams', 'aad-frances')];
    const deliverOf = (text: string) => eventually(() => delivers.find((d) => d.payload.body?.content.includes(text)), Boolean, `the delivery of "${text}"`) as Promise<Seen>;
    let reactionEvents = 0;
    const reacted = (fields: Pick<PayloadIn<'parley.reaction.observed.v1'>, 'conversation' | 'messageId' | 'reactorPlatformUserId' | 'change' | 'reaction'>) =>
      connectors.publish('parley.reaction.observed.v1', {
        orgId,
        connectionId: fields.conversation.platform === 'slack' ? slackConnectionId : teamsConnectionId,
        platformEventId: `EvR${++reactionEvents}`,
        occurredAt: new Date().toISOString(),
        ...fields,
      });
    const requestsFor = (targetMessageId: string) => reactionRequests.filter((r) => r.payload.targetMessageId === targetMessageId);

    // Grace's message crosses to Teams (T-51), Frances's answer to Slack (500.2).
    await received({ conversation: slackDm, messageId: '500.1', senderPlatformUserId: 'U0GRA', body: { format: 'plain', content: 'reactions please' } });
    await delivered((await deliverOf('reactions please')).payload, teamsChat.conversationId, { platformMessageId: 'T-51' });
    await received({ conversation: teamsChat, messageId: '1733000000502', senderPlatformUserId: 'aad-frances', body: { format: 'teams-html', content: '<p>sure thing</p>' } });
    await delivered((await deliverOf('sure thing')).payload, slackDm.conversationId, { platformMessageId: '500.2' });

    // Grace reacts on Slack to her own message and to Frances's (Parley's post of it): both go to Teams as her guest.
    await reacted({ conversation: slackDm, messageId: '500.1', reactorPlatformUserId: 'U0GRA', change: 'added', reaction: 'thumbsup::skin-tone-2' });
    await reacted({ conversation: slackDm, messageId: '500.2', reactorPlatformUserId: 'U0GRA', change: 'added', reaction: 'heart' });
    const [own] = await eventually(() => requestsFor('T-51'), (r) => r.length === 1, 'the reaction on T-51');
    expect(own).toEqual({
      topic: 'teams',
      payload: {
        orgId,
        connectionId: teamsConnectionId,
        deliveryId: expect.any(String),
        conversationId: teamsChat.conversationId,
        targetMessageId: 'T-51',
        change: 'add',
        reactorPersonId: grace,
        reaction: '👍🏻',
      },
    });
    const [onPost] = await eventually(() => requestsFor('1733000000502'), (r) => r.length === 1, 'the reaction on the original');
    expect(onPost?.payload).toMatchObject({ conversationId: teamsChat.conversationId, reaction: '❤️', reactorPersonId: grace });

    // On Teams, Frances removes a reaction made as 'like' that Slack knows as +1; the reaction Parley made as Grace's
    // guest comes back as an echo and is not carried.
    await reacted({ conversation: teamsChat, messageId: 'T-51', reactorPlatformUserId: 'aad-grace-guest', change: 'added', reaction: '👍🏻' });
    await reacted({ conversation: teamsChat, messageId: 'T-51', reactorPlatformUserId: 'aad-frances', change: 'removed', reaction: 'like' });
    const [back] = await eventually(() => requestsFor('500.1'), (r) => r.length === 1, 'the reaction back to Slack');
    expect(back).toMatchObject({ topic: 'slack', payload: { connectionId: slackConnectionId, conversationId: 'D0GRAFRA2', change: 'remove', reaction: '+1', reactorPersonId: frances } });

    // A custom emoji is not carried, and its state says why.
    await reacted({ conversation: slackDm, messageId: '500.1', reactorPlatformUserId: 'U0GRA', change: 'added', reaction: 'partyparrot' });

    // A reaction on a message still on its way waits for it, then goes, its removal after it.
    await received({ conversation: slackDm, messageId: '500.3', senderPlatformUserId: 'U0GRA', body: { format: 'plain', content: 'still travelling' } });
    const travelling = await deliverOf('still travelling');
    await reacted({ conversation: slackDm, messageId: '500.3', reactorPlatformUserId: 'U0GRA', change: 'added', reaction: 'tada' });
    await reacted({ conversation: slackDm, messageId: '500.3', reactorPlatformUserId: 'U0GRA', change: 'removed', reaction: 'tada::skin-tone-3' });
    await relay.broker.drain();
    expect(requestsFor('T-53')).toEqual([]);
    await delivered(travelling.payload, teamsChat.conversationId, { platformMessageId: 'T-53' });
    const released = await eventually(() => requestsFor('T-53'), (r) => r.length === 2, 'the waiting reactions');
    expect(released.map((r) => [r.payload.change, r.payload.reaction])).toEqual([
      ['add', '🎉'],
      ['remove', '🎉'],
    ]);

    // A reaction that overtakes its message on the bus (they come on different topics; Teams lists a reaction with the
    // message's first notification) waits for it, then goes (ADR 0060). Ids as the platforms make them: a Slack ts is
    // its second, so this message was written just now.
    const now = `${Math.floor(Date.now() / 1000)}.000400`;
    await reacted({ conversation: slackDm, messageId: now, reactorPlatformUserId: 'U0GRA', change: 'added', reaction: 'joy' });
    await new Promise((resolve) => setTimeout(resolve, 700));
    await received({ conversation: slackDm, messageId: now, senderPlatformUserId: 'U0GRA', body: { format: 'plain', content: 'overtaken by my reaction' } });
    await delivered((await deliverOf('overtaken by my reaction')).payload, teamsChat.conversationId, { platformMessageId: 'T-54' });
    const [overtaken] = await eventually(() => requestsFor('T-54'), (r) => r.length === 1, 'the reaction that came before its message');
    expect(overtaken?.payload).toMatchObject({ change: 'add', reaction: '😂', reactorPersonId: grace });
    // And one on Parley's post, made before the relay had the post's outcome (Frances reacts the moment it shows). A
    // Teams message id is its epoch millisecond.
    const quickTs = `${Math.floor(Date.now() / 1000)}.000500`;
    await received({ conversation: slackDm, messageId: quickTs, senderPlatformUserId: 'U0GRA', body: { format: 'plain', content: 'reacted to at once' } });
    const quick = await deliverOf('reacted to at once');
    const postId = String(Date.now());
    await reacted({ conversation: teamsChat, messageId: postId, reactorPlatformUserId: 'aad-frances', change: 'added', reaction: '🎉' });
    await new Promise((resolve) => setTimeout(resolve, 700));
    await delivered(quick.payload, teamsChat.conversationId, { platformMessageId: postId });
    const [onQuick] = await eventually(() => requestsFor(quickTs), (r) => r.length === 1, "the reaction on Parley's post that came before its outcome");
    expect(onQuick).toMatchObject({ topic: 'slack', payload: { conversationId: 'D0GRAFRA2', change: 'add', reaction: 'tada', reactorPersonId: frances } });
    // Both were taken when their message came; a reaction on an old message the relay never carried is not kept at
    // all: nothing waits for it, nothing goes.
    const reactionRows = async () => (await queryRows(relayDb.url, `SELECT id FROM relay.reaction_deliveries`)).length;
    const rowsBefore = await reactionRows();
    await reacted({ conversation: slackDm, messageId: '400.1', reactorPlatformUserId: 'U0GRA', change: 'added', reaction: 'joy' });
    await relay.broker.drain();
    expect(await queryRows(relayDb.url, `SELECT message_id FROM relay.early_reactions`)).toEqual([]);
    expect(await reactionRows()).toBe(rowsBefore);

    // Outcomes become the states an admin reads next to each message.
    await connectors.publish('parley.reaction.delivered.v1', { orgId, deliveryId: own?.payload.deliveryId as string, conversation: { platform: 'teams', conversationId: teamsChat.conversationId }, outcome: 'delivered', deliveredAt: new Date().toISOString() });
    await connectors.publish('parley.reaction.delivered.v1', {
      orgId,
      deliveryId: back?.payload.deliveryId as string,
      conversation: { platform: 'slack', conversationId: 'D0GRAFRA2' },
      outcome: 'unvoiced',
      reason: 'not carried: the person who reacted has not given Parley their Slack consent',
      deliveredAt: new Date().toISOString(),
    });
    const twin = (await conversations()).items.find((c) => c.slack.conversationId === 'D0GRAFRA2');
    const message = await eventually(
      async () => (await messagesOf(twin?.id as string)).items.find((m) => m.source.messageId === '500.1'),
      (m) => (m?.reactions ?? []).filter((r) => r.state !== 'pending').length === 3,
      'the reaction states of 500.1',
    );
    expect(message?.reactions?.map((r) => [r.source.platform, r.change, r.reaction, r.state, r.reason ?? null])).toEqual([
      ['slack', 'add', 'u:👍🏻', 'delivered', null],
      ['teams', 'remove', 'u:👍', 'unvoiced', 'not carried: the person who reacted has not given Parley their Slack consent'],
      ['slack', 'add', 'slack:partyparrot', 'failed', 'not carried: :partyparrot: is a custom Slack emoji with no Teams equivalent'],
    ]);
  });

  it('carries an edit that came before its message as the message, once; an edit of a message from before the conversation was relayed stays a failure (ADR 0044)', async () => {
    const dm = { platform: 'slack' as const, conversationId: 'D0ADAFRA', kind: 'dm' as const, members: ['U0ADA', 'W0FRA'] };
    const twin = (await conversations()).items.find((c) => c.slack.conversationId === 'D0ADAFRA');
    const before = delivers.length;
    // Slack sent the edit first; the creation comes after it.
    await harness.receivedV2({ conversation: dm, messageId: '100.7', senderPlatformUserId: 'U0ADA', change: 'edited', writtenAt: new Date().toISOString(), body: { format: 'slack-mrkdwn', content: 'fixed *typo*' } });
    const carried = await settle(before + 1);
    expect(carried.payload).toMatchObject({ change: 'create', target: { kind: 'existing', conversationId: '19:adafra@unq.gbl.spaces' }, body: { content: expect.stringContaining('fixed <strong>typo</strong>') } });
    await harness.receivedV2({ conversation: dm, messageId: '100.7', senderPlatformUserId: 'U0ADA', writtenAt: new Date().toISOString(), body: { format: 'slack-mrkdwn', content: 'fixed *typp*' } });
    await delivered(carried.payload, '19:adafra@unq.gbl.spaces', { platformMessageId: 'T-7' });
    await settle(before + 1);

    // History: written a day before the conversation was first relayed, edited now.
    const dayBefore = new Date(Date.now() - 86_400_000 - 3_600_000).toISOString();
    await harness.receivedV2({ conversation: dm, messageId: '90.1', senderPlatformUserId: 'U0ADA', change: 'edited', writtenAt: dayBefore, body: { format: 'slack-mrkdwn', content: 'an old message, edited' } });
    await settle(before + 1);
    const messages = (await messagesOf(twin?.id as string)).items;
    expect(messages.find((m) => m.source.messageId === '100.7')).toMatchObject({ state: 'delivered', targetMessageIds: ['T-7'] });
    expect(messages.find((m) => m.source.messageId === '90.1')?.deliveries.map((d) => [d.change, d.state, d.reason])).toEqual([
      ['edit', 'failed', 'the original message was never relayed, so the edit cannot be carried'],
    ]);
  });

  it('carries nothing of a message whose delete overtook it and its edit: what its author deleted does not come back', async () => {
    const dm = { platform: 'slack' as const, conversationId: 'D0ADAFRA', kind: 'dm' as const, members: ['U0ADA', 'W0FRA'] };
    const before = delivers.length;
    const now = new Date().toISOString();
    // Slack sent them late and in reverse: the delete, then the edit, then the message.
    await harness.receivedV2({ conversation: dm, messageId: '100.11', senderPlatformUserId: 'U0ADA', change: 'deleted', writtenAt: now });
    await harness.receivedV2({ conversation: dm, messageId: '100.11', senderPlatformUserId: 'U0ADA', change: 'edited', writtenAt: now, body: { format: 'slack-mrkdwn', content: 'second thoughts' } });
    await harness.receivedV2({ conversation: dm, messageId: '100.11', senderPlatformUserId: 'U0ADA', writtenAt: now, body: { format: 'slack-mrkdwn', content: 'first thoughts' } });
    await settle(before);
    // Read after the events, so the check stands alone (-t): the delete made the twin if no earlier check did.
    const twin = (await conversations()).items.find((c) => c.slack.conversationId === 'D0ADAFRA');
    const message = (await messagesOf(twin?.id as string)).items.find((m) => m.source.messageId === '100.11');
    expect(message?.deliveries.map((d) => [d.change, d.state])).toEqual([['delete', 'failed']]);
  });

  it('says when a message was written when it goes out after newer ones (its platform sent it late), and says it again in its edit (ADR 0045)', async () => {
    const dm = { platform: 'slack' as const, conversationId: 'D0ADAFRA', kind: 'dm' as const, members: ['U0ADA', 'W0FRA'] };
    const before = delivers.length;
    await harness.receivedV2({ conversation: dm, messageId: '100.9', senderPlatformUserId: 'U0ADA', occurredAt: new Date().toISOString(), body: { format: 'slack-mrkdwn', content: 'newest' } });
    const newest = await settle(before + 1);
    expect(newest.payload.body?.content).not.toContain('delivered late');
    await delivered(newest.payload, '19:adafra@unq.gbl.spaces', { platformMessageId: 'T-9' });
    // Slack retried this one after an outage: written a minute before the one just sent.
    const writtenAt = new Date(Date.now() - 60_000);
    await harness.receivedV2({ conversation: dm, messageId: '100.8', senderPlatformUserId: 'U0ADA', occurredAt: writtenAt.toISOString(), body: { format: 'slack-mrkdwn', content: 'written a minute ago' } });
    const late = await settle(before + 2);
    const hhmm = `${String(writtenAt.getUTCHours()).padStart(2, '0')}:${String(writtenAt.getUTCMinutes()).padStart(2, '0')}`;
    expect(late.payload.body?.content).toMatch(new RegExp(`^<p><em>\\(written at ${hhmm} UTC on .+, delivered late\\)</em></p>written a minute ago$`));
    await delivered(late.payload, '19:adafra@unq.gbl.spaces', { platformMessageId: 'T-8' });
    // Its edit replaces the whole text over there: it says again when the message was written.
    await harness.receivedV2({ conversation: dm, messageId: '100.8', senderPlatformUserId: 'U0ADA', change: 'edited', writtenAt: new Date().toISOString(), body: { format: 'slack-mrkdwn', content: 'written a minute ago, fixed' } });
    const edit = await settle(before + 3);
    expect(edit.payload).toMatchObject({ change: 'edit', targetMessageId: 'T-8' });
    expect(edit.payload.body?.content).toMatch(new RegExp(`^<p><em>\\(written at ${hhmm} UTC on .+, delivered late\\)</em></p>written a minute ago, fixed$`));
  });
});

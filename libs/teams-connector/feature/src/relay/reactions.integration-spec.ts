import { randomUUID } from 'node:crypto';
import { teamsChannelConversationId, type Payload, type PayloadIn } from '@parley/contracts';
import { startGraphSandbox, type GraphSandbox } from '@parley/sandbox-graph';
import { integrationEnv } from '@parley/testing';
import { graphAccessConfig } from '@parley/teams-connector-graph-access';
import { ConnectorHarness, freshDatabase, type SeededOrg } from '../testing/connector-harness';
import { ChatMessageObserver, type ChatMessageObservation, type GraphChatMessageResource } from './chat-message-observer';
import { TeamsReactionIngest } from './teams-reaction-ingest';

type ReactionRequest = PayloadIn<'parley.teams.reaction.deliver.requested.v1'>;
type ReactionDelivered = Payload<'parley.reaction.delivered.v1'>;
interface ListedReaction {
  reactionType: string;
  user: { user: { id: string } };
}

// Reactions (ADR 0032) through the bus into the Graph sandbox, as Ada's Teams guest (made by the connector's own Guest
// Account Sync), asserted through Graph as Frances reads her chat; and Frances's own reactions, read from the message
// as Graph's update notifications carry it, published once per change.
describe('teams reactions (parley.teams.reaction.deliver.requested.v1)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let sandbox: GraphSandbox;
  let harness: ConnectorHarness;
  let org: SeededOrg;
  const ada = { personId: randomUUID(), guestId: '' };
  let frances: { id: string; token: string };
  let chatId = '';
  let messageId = '';

  beforeAll(async () => {
    database = await freshDatabase(integrationEnv().databaseUrl);
    sandbox = await startGraphSandbox({ limits: { enabled: true, timeScale: 0.1 } });
    harness = await new ConnectorHarness(sandbox, database.url, graphAccessConfig({ timeScale: 0.1 })).start();
    org = harness.seedOrg('reactions');
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
    ada.guestId = created?.guestUserId as string;
    const upn = Object.keys(org.credentials.passwords)[1] as string;
    const token = sandbox.control.token({ clientId: org.credentials.clientId, tenantId: org.credentials.customerTenantId, as: upn });
    frances = { id: (await harness.graph<{ id: string }>('/me', token)).body.id, token };
    // Frances writes to Ada's guest in their 1:1 chat: the message Ada will react to.
    const chat = await harness.graph<{ id: string }>('/chats', token, {
      method: 'POST',
      body: {
        chatType: 'oneOnOne',
        members: [frances.id, ada.guestId].map((id) => ({
          '@odata.type': '#microsoft.graph.aadUserConversationMember',
          roles: ['owner'],
          'user@odata.bind': `https://graph.microsoft.com/v1.0/users('${id}')`,
        })),
      },
    });
    chatId = chat.body.id;
    const posted = await harness.graph<{ id: string }>(`/chats/${encodeURIComponent(chatId)}/messages`, token, { method: 'POST', body: { body: { contentType: 'text', content: 'lunch?' } } });
    messageId = posted.body.id;
  }, 120_000);

  afterAll(async () => {
    await harness?.stop();
    await sandbox?.stop();
    await database?.drop();
  });

  const request = (overrides: Partial<ReactionRequest>): ReactionRequest => ({
    orgId: org.orgId,
    connectionId: org.connectionId,
    deliveryId: randomUUID(),
    conversationId: chatId,
    targetMessageId: messageId,
    change: 'add',
    reactorPersonId: ada.personId,
    reaction: '👍🏻',
    ...overrides,
  });
  const deliver = async (command: ReactionRequest): Promise<ReactionDelivered> => {
    await harness.publish('parley.teams.reaction.deliver.requested.v1', command);
    const [delivered] = await harness.log.waitFor('parley.reaction.delivered.v1', (p) => p.deliveryId === command.deliveryId, 60_000);
    return delivered as ReactionDelivered;
  };
  const reactionsSeenByFrances = async (): Promise<[string, string][]> => {
    const message = await harness.graph<{ reactions: ListedReaction[] }>(`/chats/${encodeURIComponent(chatId)}/messages/${messageId}`, frances.token);
    return message.body.reactions.map((r) => [r.reactionType, r.user.user.id]);
  };

  it("sets the reaction as the person's guest and unsets it again, once per delivery id", async () => {
    const add = request({});
    expect(await deliver(add)).toMatchObject({ outcome: 'delivered', conversation: { platform: 'teams', conversationId: chatId } });
    expect(await reactionsSeenByFrances()).toEqual([['👍🏻', ada.guestId]]);

    // The same delivery again (a redelivery of the bus) makes nothing twice and publishes no second outcome.
    await harness.publish('parley.teams.reaction.deliver.requested.v1', add);
    const removal = await deliver(request({ change: 'remove' }));
    expect(removal.outcome).toBe('delivered');
    expect(harness.log.of('parley.reaction.delivered.v1', (p) => p.deliveryId === add.deliveryId)).toHaveLength(1);
    expect(await reactionsSeenByFrances()).toEqual([]);
  });

  it('makes nothing for someone Parley has no voice for, and says so', async () => {
    const outcome = await deliver(request({ reactorPersonId: randomUUID(), reaction: '🎉' }));
    expect(outcome).toMatchObject({ outcome: 'unvoiced', reason: expect.stringContaining('Parley cannot sign in as the person who reacted') });
    expect(await reactionsSeenByFrances()).toEqual([]);
  });

  it("fails with Graph's reason on a message that is gone", async () => {
    const outcome = await deliver(request({ targetMessageId: '1111111111111' }));
    expect(outcome).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('Graph answered 404') });
  });

  it('sets and unsets a reaction on a channel thread\'s reply, under its root, as the guest', async () => {
    const { teamId, generalChannelId: channelId } = org.credentials;
    const channel = teamsChannelConversationId(teamId, channelId);
    const messages = `/teams/${encodeURIComponent(teamId)}/channels/${encodeURIComponent(channelId)}/messages`;
    const root = await harness.graph<{ id: string }>(messages, frances.token, { method: 'POST', body: { body: { contentType: 'text', content: 'standup' } } });
    const reply = await harness.graph<{ id: string }>(`${messages}/${root.body.id}/replies`, frances.token, { method: 'POST', body: { body: { contentType: 'text', content: 'done' } } });
    const onReply = { conversationId: channel, targetMessageId: reply.body.id, threadRootId: root.body.id };
    const seen = async (path: string): Promise<[string, string][]> =>
      (await harness.graph<{ reactions: ListedReaction[] }>(path, frances.token)).body.reactions.map((r) => [r.reactionType, r.user.user.id]);
    expect(await deliver(request({ ...onReply, reaction: '🎉' }))).toMatchObject({ outcome: 'delivered', conversation: { platform: 'teams', conversationId: channel } });
    expect(await seen(`${messages}/${root.body.id}/replies/${reply.body.id}`)).toEqual([['🎉', ada.guestId]]);
    expect(await seen(`${messages}/${root.body.id}`)).toEqual([]);
    expect(await deliver(request({ ...onReply, reaction: '🎉', change: 'remove' }))).toMatchObject({ outcome: 'delivered' });
    expect(await seen(`${messages}/${root.body.id}/replies/${reply.body.id}`)).toEqual([]);
    // On the root itself, without threadRootId.
    expect(await deliver(request({ conversationId: channel, targetMessageId: root.body.id, reaction: 'like' }))).toMatchObject({ outcome: 'delivered' });
    expect(await seen(`${messages}/${root.body.id}`)).toEqual([['like', ada.guestId]]);
  });

  describe('Teams reactions into parley.reaction.observed.v1', () => {
    const observation = async (): Promise<ChatMessageObservation> => {
      const token = await harness.appToken(org.credentials.customerTenantId, org);
      const message = (await harness.graph<GraphChatMessageResource>(`/chats/${encodeURIComponent(chatId)}/messages/${messageId}`, token)).body;
      return {
        orgId: org.orgId,
        connectionId: org.connectionId,
        chatId,
        messageId,
        changeType: 'updated',
        message,
        source: 'notification',
        eventId: `${randomUUID()}:${String(message.lastModifiedDateTime)}`,
      };
    };
    const react = (type: string, on: boolean) =>
      harness.graph(`/chats/${encodeURIComponent(chatId)}/messages/${messageId}/${on ? 'setReaction' : 'unsetReaction'}`, frances.token, { method: 'POST', body: { reactionType: type } });

    it("publishes Frances's add once however often Teams notifies it, and never the reaction Parley set as Ada's guest", async () => {
      const ingest = harness.connector.app.get(TeamsReactionIngest);
      // Parley sets Ada's reaction first (as a relayed Slack reaction would be), then Frances reacts with a legacy type.
      expect(await deliver(request({ reaction: '🎉' }))).toMatchObject({ outcome: 'delivered' });
      expect((await react('heart', true)).status).toBe(204);
      const notified = await observation();
      expect(notified.message?.reactions?.map((r) => [r.reactionType, r.user?.user?.id])).toEqual([
        ['🎉', ada.guestId],
        ['heart', frances.id],
      ]);
      expect(await ingest.ingest(notified)).toBe(1);
      // The second notification of the same change, and a reordered one, change nothing.
      expect(await ingest.ingest({ ...notified, eventId: `${notified.eventId}:again` })).toBe(0);
      expect(await ingest.ingest({ ...notified, message: { ...(notified.message as GraphChatMessageResource), reactions: [...(notified.message?.reactions ?? [])].reverse() } })).toBe(0);
      const [added] = await harness.log.waitFor('parley.reaction.observed.v1', (p) => p.messageId === messageId && p.change === 'added', 30_000);
      expect(added).toMatchObject({
        orgId: org.orgId,
        connectionId: org.connectionId,
        conversation: { platform: 'teams', conversationId: chatId },
        reactorPlatformUserId: frances.id,
        reaction: 'heart',
      });
    });

    it('publishes the removal through the observer Teams ingress calls, once', async () => {
      expect((await react('heart', false)).status).toBe(204);
      const observer = harness.connector.app.get(ChatMessageObserver);
      const notified = await observation();
      await observer.observe(notified);
      await observer.observe({ ...notified, eventId: `${notified.eventId}:again` });
      const [removed] = await harness.log.waitFor('parley.reaction.observed.v1', (p) => p.messageId === messageId && p.change === 'removed', 30_000);
      expect(removed).toMatchObject({ reactorPlatformUserId: frances.id, reaction: 'heart' });
      expect(harness.log.of('parley.reaction.observed.v1', (p) => p.messageId === messageId).map((p) => [p.change, p.reactorPlatformUserId])).toEqual([
        ['added', frances.id],
        ['removed', frances.id],
      ]);
    });

    it('takes a listing older than one already compared (a late or retried notification) for the past, not for removals', async () => {
      const ingest = harness.connector.app.get(TeamsReactionIngest);
      const before = await observation();
      expect((await react('👍', true)).status).toBe(204);
      const after = await observation();
      expect(await ingest.ingest(after)).toBe(1);
      // The notification of the earlier state arrives last: no removal of the 👍 Frances just made.
      expect(await ingest.ingest({ ...before, eventId: `${before.eventId}:late` })).toBe(0);
      expect((await react('👍', false)).status).toBe(204);
      expect(await ingest.ingest(await observation())).toBe(1);
      await harness.log.waitFor('parley.reaction.observed.v1', (p) => p.messageId === messageId && p.reaction === '👍' && p.change === 'removed', 30_000);
      expect(harness.log.of('parley.reaction.observed.v1', (p) => p.messageId === messageId && p.reaction === '👍').map((p) => p.change)).toEqual(['added', 'removed']);
    });
  });
});

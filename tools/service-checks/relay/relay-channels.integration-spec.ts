import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { teamsChannelConversationId } from '@parley/contracts';
import {
  CHANNEL_ALREADY_LINKED_PROBLEM,
  CHANNEL_NAME_TAKEN_PROBLEM,
  CHANNEL_NOT_LINKABLE_PROBLEM,
  channelLinkPage,
  channelLinkView,
  internalRoutes,
  matchRoute,
  type SlackChannelView,
  type TeamsChannelView,
} from '@parley/internal-api';
import { eventually, internalCall, INTERNAL_TOKEN, startRelayHarness, type RelayHarness } from './relay-harness';

/**
 * The connectors' channel routes as the relay calls them when an admin links channels: the channels each platform
 * has, "create the twin", and a taken name, answered like the connectors do (problem+json, the bearer checked).
 */
class ChannelPlatforms {
  readonly slack = new Map<string, SlackChannelView>();
  readonly teams = new Map<string, TeamsChannelView>();
  readonly created: { platform: 'slack' | 'teams'; body: unknown; teamId?: string }[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      let raw = '';
      request.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      request.on('end', () => {
        const reply = (status: number, body?: unknown) => {
          response.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' });
          response.end(body === undefined ? undefined : JSON.stringify(body));
        };
        const problem = (status: number, detail: string) => reply(status, { type: 'about:blank', title: 'Error', status, detail });
        if (request.headers.authorization !== `Bearer ${INTERNAL_TOKEN}`) return problem(401, 'internal API: missing or wrong internal token');
        const path = new URL(request.url ?? '/', 'http://x').pathname;
        const body = raw ? (JSON.parse(raw) as { name?: string; displayName?: string; private: boolean }) : undefined;
        const slack = internalRoutes['slack-connector'];
        const teams = internalRoutes['teams-connector'];
        let params: Record<string, string> | undefined;
        if ((params = matchRoute(slack.channel, request.method, path))) {
          const channel = this.slack.get(params['channelId'] as string);
          return channel ? reply(200, channel) : problem(404, `channel_not_found: ${params['channelId']}`);
        }
        if ((params = matchRoute(teams.channel, request.method, path))) {
          const channel = this.teams.get(`${params['teamId']}/${params['channelId']}`);
          return channel ? reply(200, channel) : problem(404, `Channel ${params['channelId']} not found in team ${params['teamId']}.`);
        }
        if (matchRoute(slack.createChannel, request.method, path)) {
          this.created.push({ platform: 'slack', body });
          if ([...this.slack.values()].some((c) => c.name === body?.name)) return problem(409, 'name_taken');
          const channel = { id: `C0NEW${this.slack.size}`, name: body?.name as string, private: Boolean(body?.private), archived: false, appIsMember: true };
          this.slack.set(channel.id, channel);
          return reply(201, channel);
        }
        if ((params = matchRoute(teams.createChannel, request.method, path))) {
          this.created.push({ platform: 'teams', body, teamId: params['teamId'] as string });
          const channel: TeamsChannelView = {
            teamId: params['teamId'] as string,
            id: `19:new${this.teams.size}@thread.tacv2`,
            displayName: body?.displayName as string,
            membershipType: body?.private ? 'private' : 'standard',
          };
          this.teams.set(`${channel.teamId}/${channel.id}`, channel);
          return reply(201, channel);
        }
        return problem(404, `No route matches ${request.method} ${path}.`);
      });
    });
    await new Promise<void>((resolve) => (this.server as Server).listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

// Channel Sync in the relay: links made through the connectors' answers, and a linked channel's messages carried both
// ways as their authors, replies under their root. The real identity and relay in-process (relay-harness.ts); the test
// stands in for the connectors on the bus and over HTTP.
describe('relay channel links', () => {
  const platforms = new ChannelPlatforms();
  let h: RelayHarness;
  const generalTeams = { teamId: 'team-1', id: '19:general@thread.tacv2', displayName: 'General', membershipType: 'standard' as const };
  const teamsSide = teamsChannelConversationId('team-1', '19:eng@thread.tacv2');
  let linkId = '';
  const links = (path = '', method = 'GET', body?: unknown) => internalCall(h.relay.url, method, `/internal/orgs/${h.orgId}/channel-links${path}`, body);

  beforeAll(async () => {
    await platforms.start();
    platforms.slack.set('C0ENG', { id: 'C0ENG', name: 'eng', private: false, archived: false, appIsMember: false });
    platforms.slack.set('C0OLD', { id: 'C0OLD', name: 'old', private: false, archived: true, appIsMember: true });
    platforms.slack.set('G0SECRET', { id: 'G0SECRET', name: 'secret', private: true, archived: false, appIsMember: false });
    platforms.slack.set('C0DESIGN', { id: 'C0DESIGN', name: 'design', private: false, archived: false, appIsMember: true });
    platforms.teams.set('team-1/19:eng@thread.tacv2', { teamId: 'team-1', id: '19:eng@thread.tacv2', displayName: 'Engineering', membershipType: 'standard' });
    platforms.teams.set('team-1/19:priv@thread.tacv2', { teamId: 'team-1', id: '19:priv@thread.tacv2', displayName: 'Private', membershipType: 'private' });
    platforms.teams.set(`team-1/${generalTeams.id}`, generalTeams);
    h = await startRelayHarness({ peers: { 'slack-connector': platforms.url, 'teams-connector': platforms.url }, databasePrefix: 'parley_relay_channels' });
  }, 180_000);

  afterAll(async () => {
    await h?.stop();
    await platforms.stop();
  });

  it('links two channels once: the link and its change are recorded, and a second link of either channel is refused naming it', async () => {
    const made = await links('', 'POST', { slack: { channelId: 'C0ENG' }, teams: { teamId: 'team-1', channelId: '19:eng@thread.tacv2' } });
    expect(made.status).toBe(201);
    const link = channelLinkView.parse(made.body);
    linkId = link.id;
    expect(link).toMatchObject({
      orgId: h.orgId,
      slack: { connectionId: h.slackConnectionId, channelId: 'C0ENG', name: 'eng' },
      teams: { connectionId: h.teamsConnectionId, teamId: 'team-1', channelId: '19:eng@thread.tacv2', displayName: 'Engineering' },
      private: false,
      createdSide: null,
    });
    await eventually(() => h.linkChanges, (c) => c.length === 1, 'the linked event');
    expect(h.linkChanges[0]).toMatchObject({ linkId, change: 'linked', slack: { channelId: 'C0ENG' }, teams: { teamId: 'team-1', channelId: '19:eng@thread.tacv2' } });
    expect((await h.conversations()).items.find((c) => c.id === link.conversationId)).toMatchObject({
      kind: 'channel',
      slack: { conversationId: 'C0ENG' },
      teams: { conversationId: teamsSide },
    });

    const again = await links('', 'POST', { slack: { channelId: 'C0ENG' }, teams: { teamId: 'team-1', channelId: generalTeams.id } });
    expect(again).toMatchObject({ status: 409, body: { type: CHANNEL_ALREADY_LINKED_PROBLEM, errors: [{ field: 'slack.channelId' }] } });
    const teamsAgain = await links('', 'POST', { slack: { channelId: 'C0DESIGN' }, teams: { teamId: 'team-1', channelId: '19:eng@thread.tacv2' } });
    expect(teamsAgain).toMatchObject({ status: 409, body: { type: CHANNEL_ALREADY_LINKED_PROBLEM, errors: [{ field: 'teams.channelId' }] } });
    expect(channelLinkPage.parse((await links()).body).items.map((l) => l.id)).toEqual([linkId]);
    expect((await links(`/${linkId}`)).body).toEqual(made.body);
  });

  it('refuses channels that cannot be linked, naming the field, and creates nothing', async () => {
    const refused = async (body: unknown, field: string) => {
      const answer = await links('', 'POST', body);
      expect(answer).toMatchObject({ status: 422, body: { type: CHANNEL_NOT_LINKABLE_PROBLEM, errors: [{ field }] } });
    };
    await refused({ slack: { channelId: 'C0NOPE' }, teams: { teamId: 'team-1', channelId: generalTeams.id } }, 'slack.channelId');
    await refused({ slack: { channelId: 'C0OLD' }, teams: { teamId: 'team-1', channelId: generalTeams.id } }, 'slack.channelId');
    await refused({ slack: { channelId: 'G0SECRET' }, teams: { create: true } }, 'slack.channelId');
    await refused({ slack: { channelId: 'C0DESIGN' }, teams: { teamId: 'team-1', channelId: '19:priv@thread.tacv2' } }, 'teams.channelId');
    await refused({ slack: { channelId: 'C0DESIGN' }, teams: { teamId: 'team-1', channelId: '19:nope@thread.tacv2' } }, 'teams.channelId');
    const both = await links('', 'POST', { slack: { create: true }, teams: { create: true } });
    expect(both).toMatchObject({ status: 400, body: { errors: [{ field: 'teams.create' }] } });
    expect(platforms.created).toEqual([]);
    expect(h.linkChanges).toHaveLength(1);
  });

  it("creates the missing twin, named after the given channel, in the connection's team; a taken name is a 409 naming the field", async () => {
    const made = await links('', 'POST', { slack: { channelId: 'C0DESIGN' }, teams: { create: true } });
    expect(made.status).toBe(201);
    expect(platforms.created).toEqual([{ platform: 'teams', teamId: 'team-1', body: { displayName: 'design', private: false } }]);
    expect(channelLinkView.parse(made.body)).toMatchObject({ createdSide: 'teams', slack: { channelId: 'C0DESIGN' }, teams: { teamId: 'team-1', displayName: 'design' } });

    const taken = await links('', 'POST', { slack: { create: true, name: 'eng' }, teams: { teamId: 'team-1', channelId: generalTeams.id } });
    expect(taken).toMatchObject({ status: 409, body: { type: CHANNEL_NAME_TAKEN_PROBLEM, errors: [{ field: 'slack.name' }] } });
    const named = await links('', 'POST', { slack: { create: true }, teams: { teamId: 'team-1', channelId: generalTeams.id } });
    expect(named.status).toBe(201);
    expect(platforms.created.at(-1)).toEqual({ platform: 'slack', body: { name: 'general', private: false } });
  });

  it('carries a channel message to the other channel as its author, and the reply back under its root, edits of the reply included', async () => {
    const before = h.delivers.length;
    const slackChannel = { platform: 'slack' as const, conversationId: 'C0ENG', kind: 'channel' as const };
    await h.received({ conversation: slackChannel, messageId: '300.1', senderPlatformUserId: 'U0ADA', body: { format: 'slack-mrkdwn', content: 'ship it *today*' } });
    const post = await h.settle(before + 1);
    expect(post).toMatchObject({
      topic: 'teams',
      payload: {
        connectionId: h.teamsConnectionId,
        target: { kind: 'existing', conversationId: teamsSide },
        change: 'create',
        senderPersonId: h.personIds['U0ADA'],
        senderDisplayName: 'Ada Lovelace',
        recipientPlatformUserIds: [],
        body: { format: 'teams-html', content: expect.stringContaining('<strong>today</strong>') },
      },
    });
    expect(post.payload.threadRootId).toBeUndefined();
    await h.delivered(post.payload, teamsSide, { platformMessageId: 'TM-1' });

    // Frances answers in the Teams channel's thread; it lands in the Slack thread of Ada's message, as Frances.
    const teamsChannel = { platform: 'teams' as const, conversationId: teamsSide, kind: 'channel' as const };
    await h.received({ conversation: teamsChannel, messageId: 'TM-2', threadRootId: 'TM-1', senderPlatformUserId: 'aad-frances', body: { format: 'teams-html', content: '<p>on it</p>' } });
    const reply = await h.settle(before + 2);
    expect(reply).toMatchObject({
      topic: 'slack',
      payload: { target: { kind: 'existing', conversationId: 'C0ENG' }, change: 'create', threadRootId: '300.1', senderPersonId: h.personIds['aad-frances'], recipientPlatformUserIds: [] },
    });
    await h.delivered(reply.payload, 'C0ENG', { platformMessageId: '300.2' });
    await h.received({ conversation: teamsChannel, messageId: 'TM-2', threadRootId: 'TM-1', change: 'edited', senderPlatformUserId: 'aad-frances', body: { format: 'teams-html', content: '<p>on it now</p>' } });
    const edit = await h.settle(before + 3);
    expect(edit.payload).toMatchObject({ change: 'edit', targetMessageId: '300.2', threadRootId: '300.1', target: { kind: 'existing', conversationId: 'C0ENG' } });
    await h.delivered(edit.payload, 'C0ENG', { platformMessageId: '300.2' });

    // A Slack reply in the thread goes under Parley's post on Teams, and its delete names the root too.
    await h.received({ conversation: slackChannel, messageId: '300.3', threadRootId: '300.1', senderPlatformUserId: 'U0GRA', body: { format: 'slack-mrkdwn', content: 'thanks' } });
    const slackReply = await h.settle(before + 4);
    expect(slackReply.payload).toMatchObject({ change: 'create', threadRootId: 'TM-1', senderDisplayName: 'Grace Hopper' });
    await h.delivered(slackReply.payload, teamsSide, { platformMessageId: 'TM-3' });
    await h.received({ conversation: slackChannel, messageId: '300.3', threadRootId: '300.1', change: 'deleted', senderPlatformUserId: 'U0GRA' });
    const deleted = await h.settle(before + 5);
    expect(deleted.payload).toMatchObject({ change: 'delete', targetMessageId: 'TM-3', threadRootId: 'TM-1' });
    await h.delivered(deleted.payload, teamsSide);
  });

  it('carries files by reference (ADR 0039): what fits goes with the message, the rest is named with why, and the admin reads each file', async () => {
    const slackChannel = { platform: 'slack' as const, conversationId: 'C0ENG', kind: 'channel' as const };
    const mockup = { ref: 'F0MOCK', name: 'mockup.png', mimeType: 'image/png', sizeBytes: 48_213, kind: 'image' as const };
    const spec = { ref: 'F0SPEC', name: 'spec.pdf', mimeType: 'application/pdf', sizeBytes: 2_000_000, kind: 'file' as const };
    const video = { ref: 'F0VID', name: '<b>demo</b>.mp4', mimeType: 'video/mp4', sizeBytes: 300 * 1024 * 1024, kind: 'file' as const, permalink: 'https://acme.slack.com/files/U0ADA/F0VID/demo.mp4' };
    const before = h.delivers.length;
    await h.receivedV2({ conversation: slackChannel, messageId: '310.1', senderPlatformUserId: 'U0ADA', body: { format: 'slack-mrkdwn', content: 'the *assets*' }, files: [mockup, spec, video] });
    const post = await h.settle(before + 1);
    expect(post.payload).toMatchObject({
      change: 'create',
      target: { kind: 'existing', conversationId: teamsSide },
      files: [mockup, spec],
      filesFrom: { platform: 'slack', connectionId: h.slackConnectionId },
      body: { format: 'teams-html' },
    });
    // The file too large to carry is named, escaped, with its link, in the message itself.
    expect(post.payload.body?.content).toContain('<p><em>&lt;b&gt;demo&lt;/b&gt;.mp4 was not carried: too large to carry (300.0 MB; the limit is 100.0 MB)</em> <a href="https://acme.slack.com/files/U0ADA/F0VID/demo.mp4">open it on Slack</a></p>');
    await h.deliveredV2(post.payload, teamsSide, { platformMessageId: 'TM-10', filesNotCarried: [{ ref: 'F0SPEC', reason: 'OneDrive refused the upload: quotaLimitReached' }] });
    await h.relay.broker.drain();
    const link = channelLinkView.parse((await links(`/${linkId}`)).body);
    const message = await eventually(
      async () => (await h.messagesOf(link.conversationId)).items.find((m) => m.source.messageId === '310.1'),
      (m) => m?.state === 'delivered',
      'the message with files delivered',
    );
    expect(message?.deliveries[0]?.files).toEqual([
      { name: 'mockup.png', kind: 'image', sizeBytes: 48_213, state: 'carried' },
      { name: 'spec.pdf', kind: 'file', sizeBytes: 2_000_000, state: 'not_carried', reason: 'OneDrive refused the upload: quotaLimitReached' },
      { name: '<b>demo</b>.mp4', kind: 'file', sizeBytes: 300 * 1024 * 1024, state: 'not_carried', reason: 'too large to carry (300.0 MB; the limit is 100.0 MB)' },
    ]);

    // Files alone (no text) are one post; with file relay turned off, nothing is carried and the note says why.
    await h.receivedV2({ conversation: slackChannel, messageId: '310.2', senderPlatformUserId: 'U0ADA', files: [mockup] });
    const alone = await h.settle(before + 2);
    expect(alone.payload).toMatchObject({ files: [mockup] });
    expect(alone.payload.body).toBeUndefined();
    await h.deliveredV2(alone.payload, teamsSide, { platformMessageId: 'TM-11' });
    const off = await internalCall(h.relay.url, 'PATCH', `/internal/orgs/${h.orgId}/relay-settings`, { fileRelay: false });
    expect(off).toMatchObject({ status: 200, body: { orgId: h.orgId, fileRelay: false } });
    await h.receivedV2({ conversation: slackChannel, messageId: '310.3', senderPlatformUserId: 'U0ADA', body: { format: 'plain', content: 'more' }, files: [mockup] });
    const refused = await h.settle(before + 3);
    expect(refused.topic).toBe('teams');
    expect(refused.payload.files).toBeUndefined();
    expect(refused.payload.body?.content).toContain('mockup.png was not carried: file relay is turned off for this organization');
    await h.delivered(refused.payload, teamsSide, { platformMessageId: 'TM-12' });
    expect((await internalCall(h.relay.url, 'PATCH', `/internal/orgs/${h.orgId}/relay-settings`, { fileRelay: true, extra: 1 })).status).toBe(400);
    expect((await internalCall(h.relay.url, 'PATCH', `/internal/orgs/${h.orgId}/relay-settings`, { fileRelay: true })).body).toMatchObject({ fileRelay: true });
    await h.relay.broker.drain();
  });

  it('stops carrying when unlinked, keeps the history, and linking the same pair again brings the same link back', async () => {
    expect((await links(`/${linkId}`, 'DELETE')).status).toBe(204);
    expect((await links(`/${linkId}`)).status).toBe(404);
    await eventually(() => h.linkChanges.filter((c) => c.linkId === linkId).map((c) => c.change), (c) => c.length === 2, 'the unlinked event');
    const before = h.delivers.length;
    await h.received({ conversation: { platform: 'slack', conversationId: 'C0ENG', kind: 'channel' }, messageId: '301.1', senderPlatformUserId: 'U0ADA', body: { format: 'plain', content: 'anyone?' } });
    await h.relay.broker.drain();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.delivers.length).toBe(before);

    const again = await links('', 'POST', { slack: { channelId: 'C0ENG' }, teams: { teamId: 'team-1', channelId: '19:eng@thread.tacv2' } });
    expect(again.status).toBe(201);
    const link = channelLinkView.parse(again.body);
    expect(link.id).toBe(linkId);
    expect((await h.messagesOf(link.conversationId)).items.map((m) => m.source.messageId)).toEqual(['310.3', '310.2', '310.1', '300.3', 'TM-2', '300.1']);
  });

  it('is scoped to the organization', async () => {
    expect((await internalCall(h.relay.url, 'GET', `/internal/orgs/org_SomeoneElse0001/channel-links/${linkId}`)).status).toBe(404);
    expect((await internalCall(h.relay.url, 'GET', `/internal/orgs/org_SomeoneElse0001/channel-links`)).body).toEqual({ items: [], nextCursor: null });
    expect((await internalCall(h.relay.url, 'DELETE', `/internal/orgs/org_SomeoneElse0001/channel-links/${linkId}`)).status).toBe(404);
  });
});

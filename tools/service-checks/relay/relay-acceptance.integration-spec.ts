import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compareSides, ConversationDriver, eventually, type Conversation, type Seen, type Written } from './conversation-driver';
import { type ChannelLinkView, untilHeard } from './linked-channels';
import { slackCall, startRelayOrganisation, type RelayOrganisation, type RelayPerson } from './relay-organisation';
import { signSlackRequest } from '@parley/sandbox-slack';

/**
 * Issue 9's acceptance with the six services as separate processes on the real servers (one organization for all of
 * it: its setup is most of the time), checked as the people see them: every assertion reads the Slack sandbox with the
 * reader's own user token and Graph with the reader's own delegated token, never Parley.
 * The 1,000-message runs are in relay-load.load-spec.ts (`npm run acceptance:relay-load`), not yet green here.
 */
describe('relay across processes', () => {
  let org: RelayOrganisation;
  let driver: ConversationDriver;
  let ada: RelayPerson;
  let grace: RelayPerson;
  let frances: RelayPerson;
  let margaret: RelayPerson;

  beforeAll(async () => {
    org = await startRelayOrganisation({ label: 'relayacc' });
    driver = new ConversationDriver(org);
    [ada, grace] = org.engineers as [RelayPerson, RelayPerson];
    [frances, margaret] = org.reps as [RelayPerson, RelayPerson];
  }, 300_000);
  afterAll(async () => {
    // RELAY_ACCEPTANCE_LOG_DIR keeps every process's whole log for a look after a failure.
    const logDir = process.env['RELAY_ACCEPTANCE_LOG_DIR'];
    if (logDir && org) {
      mkdirSync(logDir, { recursive: true });
      org.stack.cluster.history.forEach((p, i) => writeFileSync(path.join(logDir, `${i}-${String(p.lines.find((l) => l["service"])?.["service"] ?? "process")}.log`), p.lines.map((l) => JSON.stringify(l)).join('\n')));
    }
    await org?.stop();
  });

  const withLogs = <T>(work: () => Promise<T>) => org.stack.withLogs(work);
  /** The linked channel the channel test makes, for the files test after it. */
  let linked: { channel: string; teamId: string; channelId: string; conversationId: string } | undefined;
  const same = (conversations: Conversation[], written: Written[]) => eventually(() => compareSides(driver, conversations, written, 'r0'), 90_000, 'both sides agree');

  it('a DM both ways: Ada on Slack to Frances on Teams from Ada\'s guest, and back from Frances\'s Slack account, mentions included', () =>
    withLogs(async () => {
      const dm: Conversation = { name: 'ada-frances', members: [ada, frances], starter: 'slack' };
      driver.start(dm);
      const hello = await driver.writeWithMention(dm, ada, 'r0c1m1', 'Hi *Frances*, look', frances);
      const chatId = await driver.teamsChat(dm, 90_000);
      let onTeams = (await driver.readTeams(frances, chatId)).find((m) => m.text.includes('r0c1m1'));
      await eventually(
        async () => {
          onTeams = (await driver.readTeams(frances, chatId)).find((m) => m.text.includes('r0c1m1'));
          return onTeams ? undefined : 'not in the chat yet';
        },
        60_000,
        'Ada\'s DM on Teams',
      );
      // From Ada's guest, bold carried, the mention of Frances's mirror a mention of Frances herself.
      expect(onTeams).toMatchObject({ from: ada.teamsId, deleted: false, mentions: [frances.teamsId] });
      expect(onTeams?.text).toMatch(/<strong>Frances<\/strong>/);
      expect(onTeams?.text).toMatch(new RegExp(`<at id="0">${frances.realName}</at>`));

      const answer = await driver.writeWithMention(dm, frances, 'r0c1m2', 'Thanks', ada);
      await eventually(
        async () => {
          const onSlack = (await driver.readSlack(ada, dm.slackId as string)).filter((m) => m.text.includes('r0c1m2'));
          if (onSlack.length !== 1) return `seen ${onSlack.length} times`;
          const m = onSlack[0] as Seen;
          return m.from === frances.slackId && m.text.includes(`<@${ada.slackId}>`) ? undefined : `as ${JSON.stringify(m)}`;
        },
        60_000,
        'Frances\'s answer in Ada\'s Slack DM, from her Slack account, mentioning Ada',
      );
      await same([dm], [hello, answer]);

      // Edits both ways, then deletes both ways.
      await driver.edit(hello, 'Hi again');
      await driver.edit(answer, 'Thanks again');
      await same([dm], [hello, answer]);
      await driver.delete(hello);
      await driver.delete(answer);
      await same([dm], [hello, answer]);
      // Teams shows Ada's message deleted; Slack no longer has Frances's.
      const teamsNow = await driver.readTeams(frances, chatId);
      expect(teamsNow.filter((m) => m.from === ada.teamsId && m.deleted)).toHaveLength(1);
      expect((await driver.readSlack(ada, dm.slackId as string)).some((m) => m.text.includes('r0c1m2'))).toBe(false);
    }));

  it('a group DM both ways: each message once on the other side, from its author', () =>
    withLogs(async () => {
      const group: Conversation = { name: 'ada-grace-frances', members: [ada, grace, frances], starter: 'slack' };
      driver.start(group);
      const written: Written[] = [];
      written.push(await driver.write(group, ada, 'r0c2m1', 'first from Ada'));
      written.push(await driver.write(group, grace, 'r0c2m2', 'then Grace'));
      await driver.teamsChat(group, 90_000);
      written.push(await driver.write(group, frances, 'r0c2m3', 'Frances answers'));
      written.push(await driver.write(group, ada, 'r0c2m4', 'Ada again'));
      written.push(await driver.write(group, frances, 'r0c2m5', 'Frances again'));
      await same([group], written);
      // Every member reads it too: Grace on Slack sees Frances's two answers from Frances's Slack account.
      const graceSees = (await driver.readSlack(grace, group.slackId as string)).filter((m) => m.from === frances.slackId);
      expect(graceSees.map((m) => /r0c2m\d/.exec(m.text)?.[0])).toEqual(['r0c2m3', 'r0c2m5']);
    }));

  it('leaves out a participant with no Teams account and tells the sender who did not get it', () =>
    withLogs(async () => {
      // Linus joins Slack after the sync: nothing represents him on Teams.
      const linusId = org.stack.sandboxes.slack.control.addPerson({ name: 'linus', email: 'linus@parley-demo.example', realName: 'Linus Pauling' })['id'] as string;
      const linus: RelayPerson = { key: 'linus', email: 'linus@parley-demo.example', realName: 'Linus Pauling', primary: 'slack', slackId: linusId, teamsId: 'none' };
      const group: Conversation = { name: 'with-linus', members: [ada, frances, margaret, linus], starter: 'slack' };
      driver.start(group);
      const hello = await driver.write(group, ada, 'r0c3m1', 'hello all');
      // The Teams twin is the others' group chat; the message arrives there once, from Ada's guest.
      const twin: Conversation = { name: 'with-linus on Teams', members: [ada, frances, margaret], starter: 'slack', slackId: group.slackId };
      await driver.teamsChat(twin, 90_000);
      await same([twin], [{ ...hello, conversation: twin }]);
      // Ada hears it from Parley, in her DM with the app, naming Linus: by name once Parley has seen him in a sync;
      // joined since, he is named by his Slack id (nothing handles Slack's team_join yet).
      const appDm = org.stack.sandboxes.slack.control.open({ as: ada.slackId, with: [org.slackBotUserId] }).id;
      await eventually(
        async () => {
          const notices = (await driver.readSlack(ada, appDm)).filter((m) => m.text.includes('Linus Pauling') || m.text.includes(linusId));
          return notices.length === 1 && /did not get/.test(notices[0]?.text ?? '') ? undefined : JSON.stringify(notices);
        },
        60_000,
        'the notice naming Linus in Ada\'s DM with Parley',
      );
    }));
  it('refuses a forged Slack signature, a stale timestamp, a wrong clientState and a bad validation token, and relays nothing', () =>
    withLogs(async () => {
      const gateway = org.stack.cluster.url('gateway');
      const credentials = org.stack.sandboxes.credentials;
      const dm: Conversation = { name: 'ada-frances', members: [ada, frances], starter: 'slack' };
      driver.start(dm);
      const chatId = await driver.teamsChat(dm);
      // A message event in the relayed DM, as Slack would send it through Frances's installation.
      const event = (n: number) =>
        JSON.stringify({
          token: 'unused',
          team_id: credentials.slack.teamId,
          api_app_id: credentials.slack.appId,
          type: 'event_callback',
          event_id: `EvFORGED${n}${Date.now()}`,
          event_time: Math.floor(Date.now() / 1000),
          authorizations: [{ team_id: credentials.slack.teamId, user_id: frances.slackId, is_bot: false, is_enterprise_install: false }],
          event: { type: 'message', channel: dm.slackId, channel_type: 'im', user: ada.slackId, text: `r0forged${n}`, ts: `${Math.floor(Date.now() / 1000)}.00000${n}` },
        });
      const sign = (timestamp: number, body: string) => signSlackRequest(credentials.slack.signingSecret, timestamp, body);
      const postSlack = (body: string, timestamp: number, signature: string) =>
        fetch(`${gateway}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature }, body });
      const now = Math.floor(Date.now() / 1000);
      expect((await postSlack(event(1), now, `v0=${'0'.repeat(64)}`)).status).toBe(401);
      const stale = event(2);
      expect((await postSlack(stale, now - 6 * 60, sign(now - 6 * 60, stale))).status).toBe(401);

      // Teams: a notification for Parley's subscription about a real message of Frances's, with a wrong clientState,
      // and with a bad validation token.
      const subscriptions = (await org.probe.graph<{ value: { id: string; resource: string }[] }>('/subscriptions', await org.probe.appToken())).body;
      const subscription = subscriptions.value.find((v) => v.resource.includes('getAllMessages')) as { id: string };
      const notification = (clientState: string, extra: Record<string, unknown> = {}) =>
        JSON.stringify({
          value: [
            {
              subscriptionId: subscription.id,
              clientState,
              changeType: 'created',
              resource: `chats('${chatId}')/messages('1')`,
              tenantId: credentials.graph.customerTenantId,
              subscriptionExpirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
            },
          ],
          ...extra,
        });
      const postTeams = (body: string) => fetch(`${gateway}/teams/notifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect((await postTeams(notification('not-the-client-state'))).status).toBeGreaterThanOrEqual(400);
      expect((await postTeams(notification('not-the-client-state', { validationTokens: ['eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0.'] }))).status).toBeGreaterThanOrEqual(400);

      // Nothing of it reached Frances; the same event signed rightly and fresh does (the refusals were the checks).
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      expect((await driver.readTeams(frances, chatId)).filter((m) => m.text.includes('r0forged'))).toEqual([]);
      const genuine = event(3);
      const at = Math.floor(Date.now() / 1000);
      expect((await postSlack(genuine, at, sign(at, genuine))).status).toBe(200);
      await eventually(
        async () => {
          const seen = (await driver.readTeams(frances, chatId)).filter((m) => m.text.includes('r0forged'));
          return seen.length === 1 && seen[0]?.text.includes('r0forged3') ? undefined : JSON.stringify(seen);
        },
        60_000,
        'the genuine event relayed once',
      );
    }));

  it('a linked channel both ways (issue 10): Parley creates the Teams twin; messages and thread replies from their authors, an edit, a delete and a reaction', () =>
    withLogs(async () => {
      const slack = org.stack.sandboxes.slack.control;
      const graph = org.stack.sandboxes.graph.control;
      // Ada and Grace's Slack channel; Frances's mirror is not in it (Parley invites her when she first speaks).
      const channel = slack.createChannel({ name: 'launch-room', members: [ada.slackId, grace.slackId] })['id'] as string;
      const link = await org.admin.expect<ChannelLinkView>(201, 'POST', '/v1/channel-links', { slack: { channelId: channel }, teams: { create: true } });
      expect(link).toMatchObject({ createdSide: 'teams', teams: { displayName: 'launch-room' } });
      const { teamId, channelId } = link.teams;
      linked = { channel, teamId, channelId, conversationId: link.conversationId };
      const inChannel = `/teams/${teamId}/channels/${encodeURIComponent(channelId)}/messages`;
      type ChannelMessage = { id: string; from?: { user?: { id?: string } | null } | null; body: { content: string }; deletedDateTime?: string | null; lastEditedDateTime?: string | null };
      const readTeams = async (path: string) => (await driver.graphGet<{ value: ChannelMessage[] }>(frances, path)).value;
      // Ada's own Slack client, with what reading a channel and its threads needs.
      const adaToken = slack.issueToken({ kind: 'user', as: ada.slackId, scopes: ['channels:history', 'channels:read', 'reactions:read'] });
      type SlackMessage = { ts: string; user?: string; text?: string; edited?: unknown; reactions?: { name: string; users: string[] }[] };
      const thread = async (ts: string) => (await slackCall<{ messages: SlackMessage[] }>(org.stack, adaToken, 'conversations.replies', { channel, ts })).messages;
      // Each connector starts hearing the channel when it reads the link; a message before that is caught up later.
      await untilHeard(org, link, adaToken);
      const root = slack.post({ as: ada.slackId, channel, text: 'r0ch1 launch is *today*' })['ts'] as string;
      let teamsRoot: ChannelMessage | undefined;
      await eventually(
        async () => {
          const seen = (await readTeams(inChannel)).filter((m) => m.body.content.includes('r0ch1'));
          teamsRoot = seen[0];
          return seen.length === 1 && teamsRoot?.from?.user?.id === ada.teamsId && /<strong>today<\/strong>/.test(teamsRoot.body.content) ? undefined : JSON.stringify(seen);
        },
        90_000,
        "Ada's channel message in the Teams twin, once, from her guest",
      );
      const teamsRootId = (teamsRoot as ChannelMessage).id;

      // Frances answers in the thread on Teams: it lands in the Slack thread, from her Slack account.
      const answer = graph.post({ as: frances.teamsId, teamId, channelId, replyToId: teamsRootId, content: 'r0ch2 on it', contentType: 'text' })['id'] as string;
      await eventually(
        async () => {
          const seen = (await thread(root)).filter((m) => m.text?.includes('r0ch2'));
          return seen.length === 1 && seen[0]?.user === frances.slackId ? undefined : JSON.stringify(seen);
        },
        60_000,
        "Frances's reply in Ada's Slack thread, from Frances",
      );
      // Grace answers in the Slack thread: it lands under Ada's message on Teams, from Grace's guest.
      const graceReply = slack.reply({ as: grace.slackId, channel, threadTs: root, text: 'r0ch3 thanks' })['ts'] as string;
      const replies = `${inChannel}/${encodeURIComponent(teamsRootId)}/replies`;
      await eventually(
        async () => {
          const seen = (await readTeams(replies)).filter((m) => m.body.content.includes('r0ch3'));
          return seen.length === 1 && seen[0]?.from?.user?.id === grace.teamsId ? undefined : JSON.stringify(seen);
        },
        60_000,
        "Grace's reply under Ada's message on Teams, from Grace's guest",
      );

      // An edit from Teams, a delete from Slack, and a reaction from Teams.
      graph.edit({ as: frances.teamsId, teamId, channelId, messageId: answer, content: 'r0ch2 edited on it now' });
      slack.delete({ as: grace.slackId, channel, ts: graceReply });
      graph.react({ as: frances.teamsId, teamId, channelId, messageId: teamsRootId, reactionType: '👍' });
      await eventually(
        async () => {
          const seen = await thread(root);
          const edited = seen.filter((m) => m.text?.includes('r0ch2 edited'));
          const rootReactions = seen.find((m) => m.ts === root)?.reactions ?? [];
          if (edited.length !== 1 || !edited[0]?.edited) return `the edit: ${JSON.stringify(seen)}`;
          return rootReactions.some((r) => r.name === '+1' && r.users.includes(frances.slackId)) ? undefined : `the reaction: ${JSON.stringify(rootReactions)}`;
        },
        60_000,
        "Frances's edit and reaction on Slack",
      );
      await eventually(
        async () => {
          // A soft-deleted message keeps its sender and loses its body.
          const seen = await readTeams(replies);
          const grace3 = seen.find((m) => m.from?.user?.id === grace.teamsId);
          return grace3?.deletedDateTime ? undefined : JSON.stringify(seen);
        },
        60_000,
        "Grace's deleted reply shown deleted on Teams",
      );
      // The admin reads the same story in the link's conversation: every message delivered on the other side.
      const messages = await org.admin.expect<{ items: { state: string }[] }>(200, 'GET', `/v1/conversations/${link.conversationId}/messages`);
      expect(messages.items.map((m) => m.state)).toEqual(['delivered', 'delivered', 'delivered']);
    }));

  it('files both ways in the linked channel (ADR 0039): an image inline and a document by reference on Teams, an image uploaded on Slack, byte for byte', () =>
    withLogs(async () => {
      if (!linked) throw new Error('the channel test did not link a channel');
      const { channel, teamId, channelId, conversationId } = linked;
      const slack = org.stack.sandboxes.slack.control;
      const inChannel = `/teams/${teamId}/channels/${encodeURIComponent(channelId)}/messages`;
      const graph = org.stack.sandboxes.credentials.graph;
      const francesToken = org.stack.sandboxes.graph.control.token({ clientId: graph.clientId, tenantId: graph.customerTenantId, as: frances.teamsId });
      const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(40_000, 7)]);
      const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(300_000, 3)]);
      type ChannelMessage = {
        id: string;
        from?: { user?: { id?: string } | null } | null;
        body: { content: string };
        attachments?: { contentType: string; contentUrl?: string; name?: string }[];
      };
      const readTeams = async () => (await driver.graphGet<{ value: ChannelMessage[] }>(frances, `${inChannel}?$top=50`)).value;

      // Ada shares an image and a document on Slack, each with a comment.
      slack.upload({ as: ada.slackId, channel, filename: 'mockup.png', content: png, initialComment: 'r0f1 the mockup' });
      slack.upload({ as: ada.slackId, channel, filename: 'plan.pdf', content: pdf, initialComment: 'r0f2 the plan' });
      let image: ChannelMessage | undefined;
      let document: ChannelMessage | undefined;
      await eventually(
        async () => {
          const seen = await readTeams();
          image = seen.find((m) => m.body.content.includes('r0f1'));
          document = seen.find((m) => m.body.content.includes('r0f2'));
          return image && document ? undefined : JSON.stringify(seen.map((m) => m.body.content.slice(0, 80)));
        },
        90_000,
        "Ada's files in the Teams channel",
      );
      expect(image?.from?.user?.id).toBe(ada.teamsId);
      expect(document?.from?.user?.id).toBe(ada.teamsId);
      // The image is inline: a hosted content of the message, the same bytes.
      const hosted = (await driver.graphGet<{ value: { id: string }[] }>(frances, `${inChannel}/${encodeURIComponent((image as ChannelMessage).id)}/hostedContents`)).value;
      expect(hosted).toHaveLength(1);
      expect(image?.body.content).toContain(`hostedContents/${hosted[0]?.id}/$value`);
      const inline = await org.probe.graphBytes(`${inChannel}/${encodeURIComponent((image as ChannelMessage).id)}/hostedContents/${hosted[0]?.id}/$value`, francesToken);
      expect(inline.status).toBe(200);
      expect(inline.bytes.equals(png)).toBe(true);
      // The document is attached by reference to a drive item Frances can open: the same bytes.
      const reference = document?.attachments?.find((a) => a.contentType === 'reference');
      expect(reference).toMatchObject({ name: 'plan.pdf' });
      const shareId = `u!${Buffer.from(reference?.contentUrl as string).toString('base64url')}`;
      const opened = await org.probe.graphBytes(`/shares/${shareId}/driveItem/content`, francesToken);
      expect(opened.status).toBe(200);
      expect(opened.bytes.equals(pdf)).toBe(true);

      // Frances pastes a screenshot in Teams (an inline hosted content, as her client posts it): Ada gets it as a file.
      const shot = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(20_000, 9)]);
      const posted = await org.probe.graph<{ id: string }>(inChannel, francesToken, {
        method: 'POST',
        body: {
          body: { contentType: 'html', content: '<p>r0f3 the screenshot</p><img src="../hostedContents/1/$value" style="width:200px">' },
          hostedContents: [{ '@microsoft.graph.temporaryId': '1', contentBytes: shot.toString('base64'), contentType: 'image/png' }],
        },
      });
      expect(posted.status).toBe(201);
      const adaToken = slack.issueToken({ kind: 'user', as: ada.slackId, scopes: ['channels:history', 'files:read'] });
      type SlackFile = { id: string; user?: string; url_private_download?: string; mimetype?: string };
      let shared: { user?: string; files?: SlackFile[] } | undefined;
      await eventually(
        async () => {
          const history = await slackCall<{ messages: { text?: string; user?: string; files?: SlackFile[] }[] }>(org.stack, adaToken, 'conversations.history', { channel, limit: '50' });
          shared = history.messages.find((m) => m.text?.includes('r0f3'));
          return shared?.files?.length === 1 ? undefined : JSON.stringify(shared ?? history.messages.slice(0, 3));
        },
        90_000,
        "Frances's screenshot in the Slack channel, as a file",
      );
      expect(shared?.user).toBe(frances.slackId);
      const file = shared?.files?.[0] as SlackFile;
      const downloaded = await fetch(file.url_private_download as string, { headers: { authorization: `Bearer ${adaToken}` } });
      expect(downloaded.status).toBe(200);
      expect(Buffer.from(await downloaded.arrayBuffer()).equals(shot)).toBe(true);

      // The admin reads each file's fate with the message's delivery.
      const messages = await org.admin.expect<{ items: { source: { platform: string }; deliveries: { files?: { name: string; state: string }[] }[] }[] }>(
        200,
        'GET',
        `/v1/conversations/${conversationId}/messages?limit=3`,
      );
      const files = messages.items.flatMap((m) => m.deliveries.flatMap((d) => d.files ?? []));
      expect(files.map((f) => f.state)).toEqual(['carried', 'carried', 'carried']);
      expect(files.map((f) => f.name)).toEqual(expect.arrayContaining(['mockup.png', 'plan.pdf']));

      // The admin turns file relay off: the next file is named in the message instead, and the switch turns back on.
      expect(await org.admin.expect(200, 'PATCH', '/v1/relay-settings', { fileRelay: false })).toMatchObject({ fileRelay: false });
      try {
        slack.upload({ as: ada.slackId, channel, filename: 'secret-roadmap.png', content: png, initialComment: 'r0f4 not for Teams' });
        await eventually(
          async () => {
            const seen = (await readTeams()).find((m) => m.body.content.includes('r0f4'));
            if (!seen) return 'not on Teams yet';
            return seen.body.content.includes('secret-roadmap.png was not carried: file relay is turned off for this organization') && !seen.body.content.includes('hostedContents')
              ? undefined
              : seen.body.content;
          },
          90_000,
          "Ada's message on Teams with her file named, not carried",
        );
      } finally {
        expect(await org.admin.expect(200, 'PATCH', '/v1/relay-settings', { fileRelay: true })).toMatchObject({ fileRelay: true });
      }
      expect(await org.admin.expect(200, 'GET', '/v1/relay-settings')).toMatchObject({ fileRelay: true, updatedAt: expect.any(String) });
    }));
});

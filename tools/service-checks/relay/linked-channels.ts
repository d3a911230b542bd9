import { type Conversation, type ConversationDriver, eventually } from './conversation-driver';
import type { RelayOrganisation, RelayPerson } from './relay-organisation';
import { slackCall } from './relay-organisation';

/** A channel link as the admin API answers it. */
export interface ChannelLinkView {
  readonly id: string;
  readonly conversationId: string;
  readonly createdSide: 'slack' | 'teams' | null;
  readonly slack: { readonly channelId: string; readonly name: string };
  readonly teams: { readonly teamId: string; readonly channelId: string; readonly displayName: string };
}

/**
 * Waits until Parley hears both sides of a channel link: teams-connector subscribed to the Teams
 * channel, and the Parley app a member of the Slack one (each connector does this when it reads the link). A message
 * written before that is caught up later, but a run that counts time from its first message should not start then.
 */
export async function untilHeard(org: RelayOrganisation, link: ChannelLinkView, slackToken: string): Promise<void> {
  await eventually(
    async () => {
      const subscriptions = (await org.probe.graph<{ value: { resource: string }[] }>('/subscriptions', await org.probe.appToken())).body.value;
      return subscriptions.some((v) => v.resource.includes(link.teams.channelId)) ? undefined : JSON.stringify(subscriptions.map((v) => v.resource));
    },
    60_000,
    `a subscription to the linked Teams channel ${link.teams.displayName}`,
  );
  await eventually(
    async () => {
      const members = (await slackCall<{ members: string[] }>(org.stack, slackToken, 'conversations.members', { channel: link.slack.channelId })).members;
      return members.includes(org.slackBotUserId) ? undefined : JSON.stringify(members);
    },
    60_000,
    `the Parley app in the Slack channel ${link.slack.name}`,
  );
}

/**
 * Two linked channels for a load run, one made from each side: a Slack channel of three engineers whose Teams twin
 * Parley creates, and the team's General channel, whose Slack twin Parley creates and three other engineers join.
 * Three sales reps write in each on Teams (everyone in the team is in General and in a new standard channel).
 */
export async function loadChannels(org: RelayOrganisation, driver: ConversationDriver, label: string): Promise<Conversation[]> {
  const slack = org.stack.sandboxes.slack.control;
  const engineers = (from: number) => org.engineers.slice(from, from + 3);
  const reps = (from: number) => org.reps.slice(from, from + 3);
  const reader = (people: readonly RelayPerson[]) => people[0] as RelayPerson;

  const fromSlack = engineers(0);
  const slackChannel = slack.createChannel({ name: `${label}-launch`, members: fromSlack.map((e) => e.slackId) })['id'] as string;
  const first = await org.admin.expect<ChannelLinkView>(201, 'POST', '/v1/channel-links', { slack: { channelId: slackChannel }, teams: { create: true } });
  await untilHeard(org, first, driver.slackToken(reader(fromSlack)));

  const teamId = org.stack.sandboxes.credentials.graph.teamId;
  const channels = (await org.probe.graph<{ value: { id: string; displayName: string }[] }>(`/teams/${teamId}/channels`, await org.probe.appToken())).body.value;
  const general = channels.find((c) => c.displayName === 'General');
  if (!general) throw new Error(`the team has no General channel: ${JSON.stringify(channels)}`);
  const fromTeams = engineers(3);
  const second = await org.admin.expect<ChannelLinkView>(201, 'POST', '/v1/channel-links', { slack: { create: true, name: `${label}-general` }, teams: { teamId, channelId: general.id } });
  for (const engineer of fromTeams) slack.join({ as: engineer.slackId, channel: second.slack.channelId });
  await untilHeard(org, second, driver.slackToken(reader(fromTeams)));

  return [
    { name: `${label}-launch`, members: [...fromSlack, ...reps(0)], starter: 'slack', slackId: slackChannel, teamsChannel: first.teams },
    { name: `${label}-general`, members: [...fromTeams, ...reps(3)], starter: 'teams', slackId: second.slack.channelId, teamsChannel: second.teams },
  ];
}

import { channelMessageOf, channelMessagesResource } from './channel-resource';

describe('channel message resources', () => {
  const team = '02bd9fd6-8f93-4758-87c3-1fb73740a315';
  const channel = '19:09fc54a3141a45d0bc769cf506d2e079@thread.tacv2';

  it('reads a top-level message and a reply under its root, in either spelling', () => {
    expect(channelMessageOf(`teams('${team}')/channels('${channel}')/messages('1733000000001')`)).toEqual({ teamId: team, channelId: channel, messageId: '1733000000001' });
    expect(channelMessageOf(`teams('${team}')/channels('${channel}')/messages('1733000000001')/replies('1733000000002')`)).toEqual({
      teamId: team,
      channelId: channel,
      messageId: '1733000000002',
      rootId: '1733000000001',
    });
    expect(channelMessageOf(`/teams/${team}/channels/${encodeURIComponent(channel)}/messages/1733000000003`)).toEqual({ teamId: team, channelId: channel, messageId: '1733000000003' });
  });

  it('refuses chat messages and other resources', () => {
    expect(channelMessageOf(`chats('19:abc@thread.v2')/messages('1')`)).toBeNull();
    expect(channelMessageOf(`teams('${team}')/channels('${channel}')`)).toBeNull();
    expect(channelMessageOf(`teams('${team}')/channels('${channel}')/messages('1')/replies`)).toBeNull();
    expect(channelMessageOf(`teams('${team}')/channels('${channel}')/messages('1')/replies('2')/replies('3')`)).toBeNull();
  });

  it('names the per-channel subscription resource as Graph documents it', () => {
    expect(channelMessagesResource(team, channel)).toBe(`/teams/${team}/channels/${channel}/messages`);
  });
});

import { classifyRequest, relativeGraphPath } from './classify';

const principal = { tenantId: 'tenant-1', clientId: 'app-1' };
const limitsOf = (method: string, path: string) => classifyRequest(method, path, principal).map((c) => `${c.limit}=${c.bucket}`);

describe('relativeGraphPath', () => {
  it('drops host, version and query', () => {
    expect(relativeGraphPath('https://graph.microsoft.com/v1.0/users/delta?$deltatoken=abc')).toBe('/users/delta');
    expect(relativeGraphPath('/users?$top=1')).toBe('/users');
    expect(relativeGraphPath('teams/t1/members/')).toBe('/teams/t1/members');
  });
});

describe('classifyRequest', () => {
  it('counts an invitation against the tenant invitations limit and the app directory writes', () => {
    expect(limitsOf('POST', '/invitations')).toEqual(['invitations=graph:invitations:tenant-1', 'directoryWrites=graph:directory-writes:tenant-1:app-1']);
  });

  it('counts user creation, update and deletion as directory writes, reads as nothing', () => {
    expect(limitsOf('POST', '/users')).toEqual(['directoryWrites=graph:directory-writes:tenant-1:app-1']);
    expect(limitsOf('PATCH', '/users/abc')).toEqual(['directoryWrites=graph:directory-writes:tenant-1:app-1']);
    expect(limitsOf('DELETE', '/users/abc')).toEqual(['directoryWrites=graph:directory-writes:tenant-1:app-1']);
    expect(limitsOf('GET', '/users/ada%40home.example')).toEqual([]);
    expect(limitsOf('GET', 'https://graph.example/v1.0/users/delta?$skiptoken=x')).toEqual([]);
  });

  it('counts team reads against Teams GETs and the team, team writes against the team only', () => {
    expect(limitsOf('GET', '/teams/T1/members')).toEqual(['teamsGet=graph:teams-get:tenant-1:app-1', 'perTeam=graph:team:tenant-1:app-1:T1']);
    expect(limitsOf('POST', '/teams/T1/members')).toEqual(['perTeam=graph:team:tenant-1:app-1:T1']);
    expect(limitsOf('GET', '/teams/T1')).toEqual(['teamsGet=graph:teams-get:tenant-1:app-1', 'perTeam=graph:team:tenant-1:app-1:T1']);
  });

  it('counts a channel request against the channel, not the team', () => {
    expect(limitsOf('GET', '/teams/T1/channels/19%3Aabc%40thread.tacv2/messages')).toEqual([
      'teamsGet=graph:teams-get:tenant-1:app-1',
      'perTeam=graph:team:tenant-1:app-1:19:abc@thread.tacv2',
    ]);
  });

  it('counts a new chat message per app and tenant, per app on the chat and per user on the chat', () => {
    const asPerson = (method: string, path: string) =>
      classifyRequest(method, path, { tenantId: 'tenant-1', clientId: 'app-1', user: 'person:p1' }).map((c) => `${c.limit}=${c.bucket}`);
    const onChat = ['perChat=graph:chat:tenant-1:app-1:19:c@thread.v2', 'perUserPerChat=graph:chat-user:tenant-1:person:p1:19:c@thread.v2'];
    expect(asPerson('POST', '/chats/19%3Ac%40thread.v2/messages')).toEqual(['chatMessagePost=graph:chat-post:tenant-1:app-1', ...onChat]);
    expect(asPerson('POST', '/chats/19%3Ac%40thread.v2/messages/replyWithQuote')).toEqual(['chatMessagePost=graph:chat-post:tenant-1:app-1', ...onChat]);
    // Edits and deletes write in the chat too, but are no new message.
    expect(asPerson('PATCH', '/chats/19%3Ac%40thread.v2/messages/123')).toEqual(onChat);
    expect(asPerson('POST', '/users/u1/chats/19%3Ac%40thread.v2/messages/123/softDelete')).toEqual(onChat);
    expect(asPerson('POST', '/chats/19%3Ac%40thread.v2/messages/123/setReaction')).toEqual(onChat);
    expect(asPerson('POST', '/chats/19%3Ac%40thread.v2/messages/123/unsetReaction')).toEqual(onChat);
    expect(asPerson('POST', '/chats')).toEqual([]);
    expect(asPerson('GET', '/chats/19%3Ac%40thread.v2/messages')).toEqual(['teamsGet=graph:teams-get:tenant-1:app-1']);
  });

  it('counts a new channel message per app and tenant, on the channel and the team, and per user on the channel', () => {
    const asPerson = (method: string, path: string) =>
      classifyRequest(method, path, { tenantId: 'tenant-1', clientId: 'app-1', user: 'person:p1' }).map((c) => `${c.limit}=${c.bucket}`);
    const base = '/teams/T1/channels/19%3Ac%40thread.tacv2/messages';
    const channel = 'perTeam=graph:team:tenant-1:app-1:19:c@thread.tacv2';
    const onChannel = ['perChat=graph:chat:tenant-1:app-1:19:c@thread.tacv2', 'perUserPerChat=graph:chat-user:tenant-1:person:p1:19:c@thread.tacv2'];
    const created = [channel, 'channelMessagePost=graph:channel-post:tenant-1:app-1', 'perTeam=graph:team:tenant-1:app-1:T1', ...onChannel];
    expect(asPerson('POST', base)).toEqual(created);
    expect(asPerson('POST', `${base}/111/replies`)).toEqual(created);
    // Edits, deletes and reactions write on the channel, but are no new message.
    for (const [method, path] of [
      ['PATCH', `${base}/111`],
      ['PATCH', `${base}/111/replies/222`],
      ['POST', `${base}/111/softDelete`],
      ['POST', `${base}/111/replies/222/softDelete`],
      ['POST', `${base}/111/setReaction`],
      ['POST', `${base}/111/replies/222/unsetReaction`],
    ] as const) {
      expect(asPerson(method, path)).toEqual([channel, ...onChannel]);
    }
    expect(asPerson('GET', `${base}/111/replies`)).toEqual(['teamsGet=graph:teams-get:tenant-1:app-1', channel]);
    expect(asPerson('POST', '/teams/T1/channels/19%3Ac%40thread.tacv2/members')).toEqual([channel]);
  });

  it('leaves unpaced what no documented limit covers', () => {
    expect(limitsOf('POST', '/$batch')).toEqual([]);
    expect(limitsOf('GET', '/me')).toEqual([]);
  });
});

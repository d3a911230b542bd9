import { messagePath, messagePlace, messagesPath, softDeletePath } from './message-place';

describe('message places', () => {
  const channel = 'a3a9b499-cd0f-4c2a-ac71-11fa98e3d967/19:abc@thread.tacv2';

  it('addresses a channel message, and a reply under its root', () => {
    const top = messagePlace(channel);
    expect(top).toEqual({ kind: 'channel', conversationId: channel, teamId: 'a3a9b499-cd0f-4c2a-ac71-11fa98e3d967', channelId: '19:abc@thread.tacv2' });
    expect(messagesPath(top)).toBe('/teams/a3a9b499-cd0f-4c2a-ac71-11fa98e3d967/channels/19%3Aabc%40thread.tacv2/messages');
    expect(messagePath(top, '111')).toBe('/teams/a3a9b499-cd0f-4c2a-ac71-11fa98e3d967/channels/19%3Aabc%40thread.tacv2/messages/111');
    expect(softDeletePath(top, '111', 'u1')).toBe('/teams/a3a9b499-cd0f-4c2a-ac71-11fa98e3d967/channels/19%3Aabc%40thread.tacv2/messages/111/softDelete');
    const reply = messagePlace(channel, '111');
    expect(messagesPath(reply)).toBe('/teams/a3a9b499-cd0f-4c2a-ac71-11fa98e3d967/channels/19%3Aabc%40thread.tacv2/messages/111/replies');
    expect(messagePath(reply, '222')).toBe('/teams/a3a9b499-cd0f-4c2a-ac71-11fa98e3d967/channels/19%3Aabc%40thread.tacv2/messages/111/replies/222');
    expect(softDeletePath(reply, '222', 'u1')).toBe('/teams/a3a9b499-cd0f-4c2a-ac71-11fa98e3d967/channels/19%3Aabc%40thread.tacv2/messages/111/replies/222/softDelete');
  });

  it('keeps a chat a chat: a root id there is a quote, not an address; softDelete goes through the deleting user', () => {
    const chat = messagePlace('19:xyz@thread.v2', '111');
    expect(chat).toEqual({ kind: 'chat', conversationId: '19:xyz@thread.v2', chatId: '19:xyz@thread.v2' });
    expect(messagesPath(chat)).toBe('/chats/19%3Axyz%40thread.v2/messages');
    expect(messagePath(chat, '222')).toBe('/chats/19%3Axyz%40thread.v2/messages/222');
    expect(softDeletePath(chat, '222', 'u1')).toBe('/users/u1/chats/19%3Axyz%40thread.v2/messages/222/softDelete');
  });
});

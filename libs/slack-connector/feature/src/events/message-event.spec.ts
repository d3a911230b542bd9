import { channelOfChannelMessage, conversationKindOf, readMessageEvent } from './message-event';

const envelope = (event: Record<string, unknown>) => ({ type: 'event_callback', team_id: 'T1', event_id: 'Ev1', event_time: 1732700000, event });

describe('readMessageEvent', () => {
  it('reads a plain message and a thread reply', () => {
    expect(readMessageEvent(envelope({ type: 'message', channel: 'D1', channel_type: 'im', user: 'U1', text: 'hi <@U2>', ts: '1732700000.000100' }))).toEqual({
      kind: 'message',
      change: 'created',
      channel: 'D1',
      conversationKind: 'dm',
      messageId: '1732700000.000100',
      threadRootId: undefined,
      sender: 'U1',
      text: 'hi <@U2>',
      messageKey: 'D1:1732700000.000100:created',
      occurredAt: '2024-11-27T09:33:20.000Z',
      writtenAt: '2024-11-27T09:33:20.000Z',
    });
    const reply = readMessageEvent(envelope({ type: 'message', channel: 'G1', channel_type: 'mpim', user: 'U1', text: 'r', ts: '2.0', thread_ts: '1.0' }));
    expect(reply).toMatchObject({ change: 'created', conversationKind: 'group', messageId: '2.0', threadRootId: '1.0' });
    // A thread's parent has thread_ts equal to its ts: it is no reply.
    expect(readMessageEvent(envelope({ type: 'message', channel: 'C1', user: 'U1', text: 'p', ts: '1.0', thread_ts: '1.0' }))).toMatchObject({ threadRootId: undefined, conversationKind: 'channel' });
    expect(readMessageEvent(envelope({ type: 'message', subtype: 'thread_broadcast', channel: 'C1', user: 'U1', text: 'b', ts: '3.0', thread_ts: '1.0' }))).toMatchObject({ change: 'created', threadRootId: '1.0' });
  });

  it('reads message_changed as an edit of the original ts, and skips changes that keep the text', () => {
    const edited = readMessageEvent(
      envelope({
        type: 'message',
        subtype: 'message_changed',
        hidden: true,
        channel: 'D1',
        channel_type: 'im',
        ts: '5.0',
        message: { type: 'message', user: 'U1', text: 'new', ts: '1.0', edited: { user: 'U1', ts: '5.0' } },
        previous_message: { type: 'message', user: 'U1', text: 'old', ts: '1.0' },
      }),
    );
    // Edited at 5.0, written at 1.0: the relay can carry it as the message when its creation comes late (ADR 0044).
    expect(edited).toMatchObject({
      change: 'edited',
      messageId: '1.0',
      sender: 'U1',
      text: 'new',
      messageKey: 'D1:1.0:edited:5.0',
      occurredAt: new Date(5_000).toISOString(),
      writtenAt: new Date(1_000).toISOString(),
    });
    const unfurl = readMessageEvent(
      envelope({ type: 'message', subtype: 'message_changed', channel: 'D1', ts: '6.0', message: { user: 'U1', text: 'same', ts: '1.0' }, previous_message: { user: 'U1', text: 'same', ts: '1.0' } }),
    );
    expect(unfurl.kind).toBe('ignored');
  });

  it('reads message_deleted as a delete of deleted_ts by the original sender, without a body', () => {
    const deleted = readMessageEvent(
      envelope({ type: 'message', subtype: 'message_deleted', hidden: true, channel: 'D1', channel_type: 'im', ts: '7.0', deleted_ts: '1.0', previous_message: { user: 'U1', text: 'x', ts: '1.0' } }),
    );
    expect(deleted).toMatchObject({ change: 'deleted', messageId: '1.0', sender: 'U1', messageKey: 'D1:1.0:deleted' });
    expect(deleted).not.toHaveProperty('text', expect.anything());
  });

  it('ignores app posts, joins, other subtypes and other event types', () => {
    const ignored = [
      { type: 'message', subtype: 'bot_message', channel: 'C1', bot_id: 'B1', text: 'x', ts: '1.0' },
      { type: 'message', channel: 'C1', bot_id: 'B1', user: 'U9', text: 'x', ts: '1.0' },
      { type: 'message', subtype: 'channel_join', channel: 'C1', user: 'U1', text: 'joined', ts: '1.0' },
      { type: 'message', subtype: 'file_share', channel: 'C1', user: 'U1', text: '', ts: '1.0' },
      { type: 'message', subtype: 'message_changed', channel: 'C1', ts: '2.0', message: { bot_id: 'B1', user: 'U9', text: 'n', ts: '1.0' }, previous_message: { text: 'o' } },
      { type: 'message', subtype: 'message_deleted', channel: 'C1', ts: '2.0', deleted_ts: '1.0', previous_message: { subtype: 'bot_message', bot_id: 'B1', ts: '1.0' } },
      { type: 'reaction_added', user: 'U1', reaction: 'wave', item: { type: 'message', channel: 'C1', ts: '1.0' } },
      { type: 'message', channel: 'C1', text: 'no user', ts: '1.0' },
    ];
    for (const event of ignored) expect(readMessageEvent(envelope(event)).kind).toBe('ignored');
    expect(readMessageEvent({ type: 'event_callback' }).kind).toBe('ignored');
  });

  it('tells the conversation kind from channel_type', () => {
    expect(conversationKindOf('im', 'D1')).toBe('dm');
    expect(conversationKindOf('mpim', 'G1')).toBe('group');
    expect(conversationKindOf('channel', 'C1')).toBe('channel');
    expect(conversationKindOf('group', 'G2')).toBe('channel');
    expect(conversationKindOf(undefined, 'D2')).toBe('dm');
  });
});

describe('channelOfChannelMessage', () => {
  it('names the channel of any message event in a public or private channel, and nothing else', () => {
    expect(channelOfChannelMessage(envelope({ type: 'message', channel: 'C1', channel_type: 'channel', user: 'U1', text: 'x', ts: '1.0' }))).toBe('C1');
    expect(channelOfChannelMessage(envelope({ type: 'message', channel: 'C2', channel_type: 'group', user: 'U1', text: 'x', ts: '1.0' }))).toBe('C2');
    // Edits, deletes and joins are the channel's too: none is stored while it is not linked.
    expect(channelOfChannelMessage(envelope({ type: 'message', subtype: 'message_deleted', channel: 'C1', channel_type: 'channel', ts: '2.0', deleted_ts: '1.0' }))).toBe('C1');
    expect(channelOfChannelMessage(envelope({ type: 'message', subtype: 'channel_join', channel: 'G9', channel_type: 'group', user: 'U1', ts: '3.0' }))).toBe('G9');
    expect(channelOfChannelMessage(envelope({ type: 'message', channel: 'D1', channel_type: 'im', user: 'U1', text: 'x', ts: '1.0' }))).toBeUndefined();
    expect(channelOfChannelMessage(envelope({ type: 'message', channel: 'G1', channel_type: 'mpim', user: 'U1', text: 'x', ts: '1.0' }))).toBeUndefined();
    expect(channelOfChannelMessage(envelope({ type: 'reaction_added', user: 'U1', reaction: 'x', item: { type: 'message', channel: 'C1', ts: '1.0' } }))).toBeUndefined();
    expect(channelOfChannelMessage({ type: 'event_callback' })).toBeUndefined();
  });
});

describe('files of a message', () => {
  const png = { id: 'F1', name: 'shot.png', title: 'shot', mimetype: 'image/png', size: 1234, mode: 'hosted', permalink: 'https://acme.slack.com/files/U1/F1/shot.png', url_private: 'https://files.slack.com/files-pri/T1-F1/shot.png' };
  const pdf = { id: 'F2', name: 'plan.pdf', mimetype: 'application/pdf', size: 99, mode: 'hosted' };

  it('reads a file_share with text as one created message carrying its files, images told from files by mimetype', () => {
    const read = readMessageEvent(envelope({ type: 'message', subtype: 'file_share', channel: 'C1', channel_type: 'channel', user: 'U1', text: 'see these', ts: '4.0', thread_ts: '1.0', files: [png, pdf], upload: true }));
    expect(read).toMatchObject({ kind: 'message', change: 'created', messageId: '4.0', threadRootId: '1.0', text: 'see these' });
    expect(read.kind === 'message' && read.files).toEqual([
      { fileId: 'F1', name: 'shot.png', mimeType: 'image/png', sizeBytes: 1234, kind: 'image', permalink: 'https://acme.slack.com/files/U1/F1/shot.png' },
      { fileId: 'F2', name: 'plan.pdf', mimeType: 'application/pdf', sizeBytes: 99, kind: 'file' },
    ]);
  });

  it('leaves out files with no bytes behind them (deleted, hidden by the plan, external links)', () => {
    const files = [{ id: 'F3', mode: 'tombstone' }, { id: 'F4', mode: 'hidden_by_limit' }, { id: 'F5', mode: 'external', is_external: true, name: 'doc' }, pdf];
    const read = readMessageEvent(envelope({ type: 'message', subtype: 'file_share', channel: 'D1', channel_type: 'im', user: 'U1', text: '', ts: '4.0', files }));
    expect(read.kind === 'message' && read.files?.map((f) => f.fileId)).toEqual(['F2']);
    expect(readMessageEvent(envelope({ type: 'message', subtype: 'file_share', channel: 'D1', channel_type: 'im', user: 'U1', text: '', ts: '5.0', files: [{ id: 'F3', mode: 'tombstone' }] })).kind).toBe('ignored');
    // Its text still goes when the only file is gone.
    expect(readMessageEvent(envelope({ type: 'message', subtype: 'file_share', channel: 'D1', channel_type: 'im', user: 'U1', text: 'hi', ts: '6.0', files: [{ id: 'F3', mode: 'tombstone' }] }))).not.toHaveProperty('files');
  });
});

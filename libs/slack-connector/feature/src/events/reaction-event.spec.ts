import { readReactionEvent } from './reaction-event';

const envelope = (event: Record<string, unknown>) => ({ type: 'event_callback', team_id: 'T1', event_id: 'Ev1', event });
const added = { type: 'reaction_added', user: 'U0ADA', reaction: '+1::skin-tone-2', item_user: 'U0FRA', item: { type: 'message', channel: 'D0DM', ts: '1700000000.000100' }, event_ts: '1700000005.000200' };

describe('readReactionEvent', () => {
  it('reads an add and a remove, with one key per change whichever installation brought it', () => {
    const add = readReactionEvent(envelope(added));
    expect(add).toEqual({
      kind: 'reaction',
      change: 'added',
      channel: 'D0DM',
      conversationKind: 'dm',
      messageId: '1700000000.000100',
      reactor: 'U0ADA',
      reaction: '+1::skin-tone-2',
      changeKey: 'reaction:D0DM:1700000000.000100:U0ADA:+1::skin-tone-2:added:1700000005.000200',
      occurredAt: '2023-11-14T22:13:25.000Z',
    });
    expect(readReactionEvent({ ...envelope(added), event_id: 'Ev2', authorizations: [{ user_id: 'U0ADA', is_bot: false }] })).toEqual(add);
    const remove = readReactionEvent(envelope({ ...added, type: 'reaction_removed', event_ts: '1700000009.000300' }));
    expect(remove).toMatchObject({ change: 'removed', changeKey: expect.stringContaining(':removed:') });
  });

  it('leaves the kind open outside DMs, ignores reactions on files, and passes other events on', () => {
    expect(readReactionEvent(envelope({ ...added, item: { type: 'message', channel: 'G0GROUP', ts: '1.2' } }))).not.toHaveProperty('conversationKind');
    expect(readReactionEvent(envelope({ ...added, item: { type: 'file', file: 'F1' } }))).toEqual({ kind: 'ignored', reason: 'a reaction on a file' });
    expect(readReactionEvent(envelope({ ...added, reaction: '' }))).toMatchObject({ kind: 'ignored' });
    expect(readReactionEvent(envelope({ type: 'message', channel: 'D0DM', user: 'U0ADA', text: 'hi', ts: '1.2' }))).toEqual({ kind: 'not-a-reaction' });
  });
});

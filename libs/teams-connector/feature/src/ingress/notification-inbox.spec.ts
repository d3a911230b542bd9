import type { ChatMessageObservation } from '../relay/chat-message-observer';
import { orderedAt } from './notification-inbox';

const received = new Date('2026-12-06T10:00:05.000Z');
const MESSAGE_ID = '1796518205368';
type Times = Omit<NonNullable<ChatMessageObservation['message']>, 'id'>;
const observation = (changeType: ChatMessageObservation['changeType'], times: Times | undefined): ChatMessageObservation => ({
  orgId: 'org_1',
  connectionId: 'c0000000-0000-4000-8000-000000000000',
  chatId: '19:chat@thread.v2',
  messageId: MESSAGE_ID,
  changeType,
  ...(times ? { message: { id: MESSAGE_ID, ...times } } : {}),
  source: 'notification',
  eventId: 'e1',
});

describe('orderedAt (where a change goes in its conversation)', () => {
  const created = '2026-12-06T10:00:00.000Z';
  const edited = '2026-12-06T10:00:04.000Z';

  it('puts a creation at the time the message was written', () => {
    expect(orderedAt(observation('created', { createdDateTime: created, lastModifiedDateTime: created }), received)).toEqual(new Date(created));
  });

  it("puts an edit at its message's place, not at the edit's time: carried as the message, it must not follow later ones", () => {
    expect(orderedAt(observation('updated', { createdDateTime: created, lastModifiedDateTime: edited }), received)).toEqual(new Date(created));
  });

  it('puts a deletion, hard or soft, at the time it was deleted', () => {
    expect(orderedAt(observation('updated', { createdDateTime: created, lastModifiedDateTime: edited, deletedDateTime: edited }), received)).toEqual(new Date(edited));
    expect(orderedAt(observation('deleted', { createdDateTime: created, deletedDateTime: edited }), received)).toEqual(new Date(edited));
  });

  it('falls back to when it arrived without a time to go by', () => {
    expect(orderedAt(observation('deleted', undefined), received)).toEqual(received);
    expect(orderedAt(observation('updated', { createdDateTime: 'not a date' }), received)).toEqual(received);
  });
});

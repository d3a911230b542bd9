import { tsOf, type InboundEvent } from './inbound-events';

const inbound = (event: Record<string, unknown>): InboundEvent => ({
  eventId: 'Ev1',
  orgId: 'org_1',
  connectionId: 'c0000000-0000-4000-8000-000000000000',
  teamId: 'T1',
  envelope: { type: 'event_callback', event_time: 1796518300, event },
});

describe('tsOf (where a Slack event goes in its conversation)', () => {
  it('puts a message at its own ts', () => {
    expect(tsOf(inbound({ type: 'message', channel: 'D1', ts: '1796518200.000100', event_ts: '1796518200.000100' }))).toBe(1796518200.0001);
  });

  it("puts an edit at its message's place, not at the edit's time: carried as the message, it must not follow later ones", () => {
    const edit = inbound({
      type: 'message',
      subtype: 'message_changed',
      channel: 'D1',
      ts: '1796518260.000200',
      event_ts: '1796518260.000200',
      message: { type: 'message', ts: '1796518200.000100', text: 'edited', edited: { user: 'U1', ts: '1796518260.000000' } },
    });
    expect(tsOf(edit)).toBe(1796518200.0001);
  });

  it('puts a deletion at the time it was deleted', () => {
    expect(tsOf(inbound({ type: 'message', subtype: 'message_deleted', channel: 'D1', ts: '1796518270.000300', deleted_ts: '1796518200.000100', event_ts: '1796518270.000300' }))).toBe(1796518270.0003);
  });

  it("falls back to the envelope's time when the event says nothing", () => {
    expect(tsOf(inbound({ type: 'reaction_added' }))).toBe(1796518300);
  });
});

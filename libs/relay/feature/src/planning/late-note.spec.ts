import { SLACK_TEXT_LIMIT } from '@parley/relay-formatting';
import { arrivesLate, lateMark, utcStamp, withWrittenAt } from './late-note';

const at = new Date('2026-12-05T09:07:45.000Z');

describe('a message delivered late', () => {
  it('is one written more than 2 s before the latest already sent to its conversation', () => {
    expect(arrivesLate(at, new Date(at.getTime() + 2_001))).toBe(true);
    expect(arrivesLate(at, new Date(at.getTime() + 2_000))).toBe(false);
    expect(arrivesLate(at, new Date(at.getTime() - 60_000))).toBe(false);
    expect(arrivesLate(at, null)).toBe(false);
    expect(arrivesLate(null, at)).toBe(false);
  });

  it('marks a late create with its written time, an edit of a marked create with the same, and nothing else', () => {
    const later = new Date(at.getTime() + 60_000);
    expect(lateMark('create', at, later, null)).toEqual(at);
    expect(lateMark('create', at, at, null)).toBeNull();
    expect(lateMark('edit', later, later, at)).toEqual(at);
    expect(lateMark('edit', later, later, null)).toBeNull();
    expect(lateMark('delete', null, later, at)).toBeNull();
  });

  it('says when it was written: a date token each Slack reader sees in their own time zone, UTC on Teams', () => {
    expect(utcStamp(at)).toBe('09:07 UTC on 5 Dec 2026');
    expect(withWrittenAt({ format: 'slack-mrkdwn', content: 'hi <@U1>' }, at)).toEqual({
      format: 'slack-mrkdwn',
      content: `_(<!date^${at.getTime() / 1000}^written at {time} on {date_short}|written at 09:07 UTC on 5 Dec 2026>, delivered late)_\nhi <@U1>`,
    });
    const mentions = [{ id: 0, mentionText: 'Ada', userId: 'aad-ada' }];
    expect(withWrittenAt({ format: 'teams-html', content: '<p>hi <at id="0">Ada</at></p>', mentions }, at)).toEqual({
      format: 'teams-html',
      content: '<p><em>(written at 09:07 UTC on 5 Dec 2026, delivered late)</em></p><p>hi <at id="0">Ada</at></p>',
      mentions,
    });
  });

  it('stays as it was when the line would not fit', () => {
    const full = { format: 'slack-mrkdwn' as const, content: 'x'.repeat(SLACK_TEXT_LIMIT - 10) };
    expect(withWrittenAt(full, at)).toBe(full);
  });
});

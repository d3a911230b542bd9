import fc from 'fast-check';
import type { SharedFile } from '@parley/contracts';
import { chooseFiles, leftBehindNote, withNote } from './file-rules';

const file = (over: Partial<SharedFile> = {}): SharedFile => ({ ref: 'F1', name: 'plan.pdf', mimeType: 'application/pdf', sizeBytes: 1_000, kind: 'file', ...over });

describe('files: what is carried, and the note for what is not (ADR 0039)', () => {
  it('carries what fits, names the rest with why, and carries nothing when the organization turned files off', () => {
    const small = file({ ref: 'A' });
    const big = file({ ref: 'B', name: 'video.mp4', sizeBytes: 300 * 1024 ** 2 });
    expect(chooseFiles([small, big], { fileRelay: true, maxBytes: 100 * 1024 ** 2 })).toEqual({
      carried: [small],
      left: [{ file: big, reason: 'too large to carry (300.0 MB; the limit is 100.0 MB)' }],
    });
    expect(chooseFiles([small], { fileRelay: false, maxBytes: 100 * 1024 ** 2 })).toEqual({
      carried: [],
      left: [{ file: small, reason: 'file relay is turned off for this organization' }],
    });
  });

  it('writes the note in the target format, with a link only for http(s)', () => {
    const left = [{ file: file({ permalink: 'https://acme.slack.com/files/U1/F1/plan.pdf' }), reason: 'too large to carry' }];
    expect(leftBehindNote(left, 'teams')).toEqual({
      format: 'teams-html',
      content: '<p><em>plan.pdf was not carried: too large to carry</em> <a href="https://acme.slack.com/files/U1/F1/plan.pdf">open it on Slack</a></p>',
    });
    expect(leftBehindNote([{ file: file({ permalink: 'https://x.sharepoint.com/a|b>c' }), reason: 'r' }], 'slack')?.content).toBe(
      '_plan.pdf was not carried: r_ <https://x.sharepoint.com/a%7Cb%3Ec|open it on Teams>',
    );
    expect(leftBehindNote([], 'slack')).toBeNull();
  });

  it('never lets a file name become markup, a mention or a link on either side', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), (name) => {
        const left = [{ file: file({ name }), reason: 'r' }];
        const slack = leftBehindNote(left, 'slack')?.content ?? '';
        expect(slack.replace(/^_/, '').startsWith(name.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'))).toBe(true);
        expect(slack).not.toMatch(/<[@!#]/);
        const teams = leftBehindNote(left, 'teams')?.content ?? '';
        expect(teams.match(/<[a-z]+/g)).toEqual(['<p', '<em']);
      }),
    );
  });

  it('adds the note to the last part when it fits, else as a part of its own', () => {
    const note = { format: 'slack-mrkdwn' as const, content: '_x was not carried: r_' };
    expect(withNote([], note)).toEqual([note]);
    expect(withNote([{ format: 'slack-mrkdwn', content: 'hi' }], note)).toEqual([{ format: 'slack-mrkdwn', content: 'hi\n_x was not carried: r_' }]);
    const full = { format: 'slack-mrkdwn' as const, content: 'a'.repeat(4_000) };
    expect(withNote([full], note)).toEqual([full, note]);
    expect(withNote([full], null)).toEqual([full]);
  });
});

import { encodeFileRef, isTrustedFileUrl, parseFileRef } from './file-ref';

describe('slack-connector file handles', () => {
  it('round-trips a file read by the bot and one read through a person', () => {
    expect(encodeFileRef({ fileId: 'F0ABC12345' })).toBe('F0ABC12345');
    expect(parseFileRef('F0ABC12345')).toEqual({ fileId: 'F0ABC12345' });
    expect(parseFileRef(encodeFileRef({ fileId: 'F0ABC12345', readerUserId: 'U0PERSON01' }))).toEqual({ fileId: 'F0ABC12345', readerUserId: 'U0PERSON01' });
  });

  it('refuses anything it did not make', () => {
    for (const value of ['', 'U0ABC', 'F0ABC.', 'F0ABC.C0CHANNEL', 'f0abc', 'F0ABC/../x', 'F0ABC.U0A.U0B']) expect(parseFileRef(value)).toBeUndefined();
  });

  it("sends a token only to Slack's hosts over https or to the connection's own API host", () => {
    expect(isTrustedFileUrl('https://files.slack.com/files-pri/T1-F1/download/a.png', 'https://slack.com/api/')).toBe(true);
    expect(isTrustedFileUrl('http://127.0.0.1:4000/files-pri/T1-F1/a.png', 'http://127.0.0.1:4000/api/')).toBe(true);
    expect(isTrustedFileUrl('http://files.slack.com/files-pri/T1-F1/a.png', 'https://slack.com/api/')).toBe(false);
    expect(isTrustedFileUrl('https://evil.example/files-pri/a.png', 'https://slack.com/api/')).toBe(false);
    expect(isTrustedFileUrl('https://slack.com.evil.example/a.png', 'https://slack.com/api/')).toBe(false);
    expect(isTrustedFileUrl('not a url', 'https://slack.com/api/')).toBe(false);
  });
});

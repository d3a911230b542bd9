import { shareIn } from './file-share';
import { fallbackComment, hasFiles } from './message-delivery';

describe('carrying files to Slack', () => {
  const base = {
    orgId: 'org_1',
    connectionId: '0d3c2b1a-9f8e-4d7c-8b6a-5f4e3d2c1b0a',
    deliveryId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    target: { kind: 'existing' as const, conversationId: 'C1' },
    senderPersonId: 'p1',
    senderDisplayName: 'Ada',
    recipientPlatformUserIds: [],
  };
  const files = [{ ref: 'r1', name: 'a.png', mimeType: 'image/png', sizeBytes: 3, kind: 'image' as const }];

  it('carries files on a create that has them, and on nothing else', () => {
    expect(hasFiles({ ...base, change: 'create', files, filesFrom: { platform: 'teams', connectionId: base.connectionId } })).toBe(true);
    expect(hasFiles({ ...base, change: 'create' })).toBe(false);
    expect(hasFiles({ ...base, change: 'edit', targetMessageId: '1.0', files, filesFrom: { platform: 'teams', connectionId: base.connectionId } } as never)).toBe(false);
  });

  it("heads the app's upload with the sender's name, escaped for mrkdwn", () => {
    expect(fallbackComment('Ada <Lovelace> & co', 'see *this*')).toBe('*Ada &lt;Lovelace&gt; &amp; co*: see *this*');
    expect(fallbackComment('Ada', '')).toBe('*Ada*');
  });

  it('finds the share of a file in the conversation and thread asked about, public or private', () => {
    const shares = {
      public: { C1: [{ ts: '10.0' }, { ts: '11.0', thread_ts: '5.0' }], C2: [{ ts: '12.0' }] },
      private: { D1: [{ ts: '13.0', thread_ts: '13.0' }] },
    };
    expect(shareIn(shares, { channelId: 'C1' })).toBe('10.0');
    expect(shareIn(shares, { channelId: 'C1', threadTs: '5.0' })).toBe('11.0');
    expect(shareIn(shares, { channelId: 'C1', threadTs: '6.0' })).toBeUndefined();
    expect(shareIn(shares, { channelId: 'D1' })).toBe('13.0');
    expect(shareIn(shares, { channelId: 'C3' })).toBeUndefined();
    expect(shareIn(undefined, { channelId: 'C1' })).toBeUndefined();
  });
});

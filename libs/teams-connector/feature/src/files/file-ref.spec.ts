import { decodeFileRef, encodeFileRef, MAX_REF_LENGTH, shareIdOf } from './file-ref';

describe('teams-connector file refs', () => {
  it('names an image of a channel reply and a file of a chat message, and reads both back', () => {
    const reply = { kind: 'hosted' as const, conversationId: '7d1c2b4e-0000-4000-8000-000000000001/19:abc@thread.tacv2', rootId: '1732700000000', messageId: '1732700000123', index: 1 };
    const chat = { kind: 'reference' as const, conversationId: '19:8b081ef6-4792-4def-b2c9-c363a1bf41d5_5031bb31-22c0-4f6f-9f73-91d34ab2b32d@unq.gbl.spaces', messageId: '1732700000456', index: 0 };
    for (const ref of [reply, chat]) {
      const encoded = encodeFileRef(ref);
      expect(encoded).toMatch(/^[A-Za-z0-9_-]{1,200}$/);
      expect(decodeFileRef(encoded as string)).toEqual(ref);
    }
  });

  it('fits a one-on-one chat (the longest chat id) with a channel-length message id under the limit', () => {
    const encoded = encodeFileRef({ kind: 'reference', conversationId: `19:${'a'.repeat(36)}_${'b'.repeat(36)}@unq.gbl.spaces`, messageId: '1'.repeat(13), index: 19 });
    expect(encoded?.length).toBeLessThanOrEqual(MAX_REF_LENGTH);
  });

  it('gives no handle when the ids cannot fit, and reads nothing from a handle it did not make', () => {
    expect(encodeFileRef({ kind: 'hosted', conversationId: 'x'.repeat(200), messageId: '1', index: 0 })).toBeNull();
    for (const bad of ['', 'F0CH8E3B1', 'not/url-safe', Buffer.from('[2,"h","c","","1",0]').toString('base64url'), Buffer.from('[1,"h","c","","1",-1]').toString('base64url')]) {
      expect(decodeFileRef(bad)).toBeNull();
    }
  });

  it("encodes a sharing URL as Graph's docs do (u! + unpadded base64url)", () => {
    // The docs' example: https://onedrive.live.com/redir?resid=1231244193912!12&authKey=1201919!12921!1
    expect(shareIdOf('https://onedrive.live.com/redir?resid=1231244193912!12&authKey=1201919!12921!1')).toBe(
      'u!aHR0cHM6Ly9vbmVkcml2ZS5saXZlLmNvbS9yZWRpcj9yZXNpZD0xMjMxMjQ0MTkzOTEyITEyJmF1dGhLZXk9MTIwMTkxOSExMjkyMSEx',
    );
  });
});

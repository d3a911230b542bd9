import {
  bearerToken,
  hashApiKey,
  isWellFormedApiKey,
  issueApiKey,
  lookupPrefixOf,
  matchesHash,
  newKeyId,
  secretsEqual,
} from './api-keys';

describe('API keys', () => {
  it('issues pk_live_ keys of 32 random bytes, distinct every time, stored only as a SHA-256 hash', () => {
    const a = issueApiKey();
    const b = issueApiKey();
    expect(a.key).toMatch(/^pk_live_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.key.slice('pk_live_'.length), 'base64url')).toHaveLength(32);
    expect(a.key).not.toBe(b.key);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.hash).toBe(hashApiKey(a.key));
    expect(a.hash).not.toContain(a.key.slice(8));
    expect(isWellFormedApiKey(a.key)).toBe(true);
  });

  it('keeps only a short clear prefix for lookup', () => {
    const { key, lookupPrefix } = issueApiKey();
    expect(lookupPrefix).toBe(key.slice(0, 16));
    expect(lookupPrefixOf(key)).toBe(lookupPrefix);
  });

  it('matches a presented key against its hash, and nothing else', () => {
    const { key, hash } = issueApiKey();
    expect(matchesHash(key, hash)).toBe(true);
    expect(matchesHash(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`, hash)).toBe(false);
    expect(matchesHash(key, issueApiKey().hash)).toBe(false);
    expect(matchesHash(key, 'not-hex')).toBe(false);
  });

  it('compares operator keys of any length without throwing', () => {
    expect(secretsEqual('x'.repeat(40), 'x'.repeat(40))).toBe(true);
    expect(secretsEqual('x'.repeat(40), 'x'.repeat(41))).toBe(false);
    expect(secretsEqual('', 'x'.repeat(40))).toBe(false);
  });

  it('rejects strings that are not keys before any lookup', () => {
    for (const candidate of ['', 'pk_live_', 'pk_test_' + 'a'.repeat(43), 'pk_live_' + 'a'.repeat(42), 'pk_live_' + 'a'.repeat(42) + '!']) {
      expect(isWellFormedApiKey(candidate)).toBe(false);
    }
  });

  it('makes key ids: key_ + 16 base62, distinct every time', () => {
    const ids = new Set(Array.from({ length: 200 }, () => newKeyId()));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^key_[A-Za-z0-9]{16}$/);
  });

  it('reads bearer tokens from the Authorization header', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken(['Bearer abc'])).toBeUndefined();
  });
});

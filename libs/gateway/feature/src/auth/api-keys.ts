import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** Org admin keys: `pk_live_` + 32 random bytes in base64url (256 bits of entropy). */
export const API_KEY_PREFIX = 'pk_live_';
/** How much of a key is stored in clear to find its row: the fixed prefix and the first 8 random characters. */
export const LOOKUP_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;
const API_KEY_PATTERN = /^pk_live_[A-Za-z0-9_-]{43}$/;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export interface IssuedApiKey {
  /** The key itself: returned to the caller once and never stored. */
  readonly key: string;
  /** Stored in clear and indexed: narrows the lookup to (almost always) one row. */
  readonly lookupPrefix: string;
  /** Stored: SHA-256 of the whole key, hex. */
  readonly hash: string;
}

export function issueApiKey(): IssuedApiKey {
  const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  return { key, lookupPrefix: lookupPrefixOf(key), hash: hashApiKey(key) };
}

export function isWellFormedApiKey(candidate: string): boolean {
  return API_KEY_PATTERN.test(candidate);
}

export function lookupPrefixOf(key: string): string {
  return key.slice(0, LOOKUP_PREFIX_LENGTH);
}

/**
 * A single unsalted SHA-256 is enough here, unlike for passwords: the keys are 256 random bits, so there is no
 * dictionary to try and a brute force of the hash is as hopeless as guessing the key; a slow KDF (bcrypt, scrypt)
 * would only add latency to every request. The hash is compared in constant time all the same.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented secret with a stored SHA-256 hex digest. */
export function matchesHash(presented: string, storedHashHex: string): boolean {
  const actual = createHash('sha256').update(presented, 'utf8').digest();
  const expected = Buffer.from(storedHashHex, 'hex');
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}

/** Constant-time comparison of two secrets of any length (both hashed first, so lengths do not leak). */
export function secretsEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

export function newKeyId(): string {
  return `key_${randomBase62(16)}`;
}

function randomBase62(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[randomInt(BASE62.length)];
  return out;
}

/** The bearer token of an Authorization header, or undefined when the header is missing or not a bearer one. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return match?.[1];
}

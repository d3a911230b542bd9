import { inspect } from 'node:util';
import { Secret } from '@parley/config';
import { keyringOf, randomKeyMaterial } from '../testing/test-keys';
import { VaultError } from '../vault-error';
import { SealedSecret } from './sealed-secret';
import { SecretBox, type SealingContext } from './secret-box';

const PLAINTEXT = 'xoxb-1234567890-abcdefghijklmnop-Ünïcödé';
const ctx: SealingContext = { orgId: 'org_a', purpose: 'slack.bot-token' };
const k1 = randomKeyMaterial();
const k2 = randomKeyMaterial();

/** Asserts a VaultError with the given reason whose message repeats neither the plaintext nor any key. */
function expectRefused(run: () => unknown, reason: VaultError['reason']): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(VaultError);
  const error = caught as VaultError;
  expect(error.reason).toBe(reason);
  for (const leak of [PLAINTEXT, k1, k2]) {
    expect(error.message).not.toContain(leak);
    expect(inspect(error)).not.toContain(leak);
  }
}

/** Replaces one dot-separated part of a sealed string. */
function withPart(sealed: string, index: number, change: (part: string) => string): string {
  const parts = sealed.split('.');
  parts[index] = change(parts[index] as string);
  return parts.join('.');
}

/** Changes the first character of a base64url part: always a different, still canonical, decoding. */
function flipFirst(part: string): string {
  return (part[0] === 'A' ? 'B' : 'A') + part.slice(1);
}

describe('SecretBox', () => {
  const box = new SecretBox(keyringOf({ k1 }, 'k1'));

  it('round-trips a secret, as a SealedSecret and through its stored form', () => {
    const sealed = box.seal(PLAINTEXT, ctx);
    expect(box.open(sealed, ctx)).toBe(PLAINTEXT);
    expect(box.open(sealed.serialize(), ctx)).toBe(PLAINTEXT);
    expect(box.open(box.seal(new Secret(PLAINTEXT), ctx), ctx)).toBe(PLAINTEXT);
  });

  it('writes the documented compact format with a fresh IV every time', () => {
    const first = box.seal(PLAINTEXT, ctx).serialize();
    const second = box.seal(PLAINTEXT, ctx).serialize();
    expect(first).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(first.split('.')[2]).not.toBe(second.split('.')[2]);
    expect(first.split('.')[3]).not.toBe(second.split('.')[3]);
    expect(SealedSecret.parse(first).iv).toHaveLength(12);
    expect(SealedSecret.parse(first).tag).toHaveLength(16);
  });

  it('does not open under another org or another purpose', () => {
    const sealed = box.seal(PLAINTEXT, ctx).serialize();
    expectRefused(() => box.open(sealed, { ...ctx, orgId: 'org_b' }), 'authentication-failed');
    expectRefused(() => box.open(sealed, { ...ctx, purpose: 'teams.refresh-token:p1' }), 'authentication-failed');
    expectRefused(() => box.open(sealed, { orgId: '', purpose: ctx.purpose }), 'invalid-context');
  });

  it.each([
    ['the version', 0, () => 'v2', 'unsupported-version'],
    ['the key id (to an unknown key)', 1, () => 'k9', 'unknown-key'],
    ['the key id (to a malformed id)', 1, () => 'K1!', 'malformed'],
    ['the IV', 2, flipFirst, 'authentication-failed'],
    ['the IV (length)', 2, (part: string) => part.slice(4), 'malformed'],
    ['the ciphertext', 3, flipFirst, 'authentication-failed'],
    ['the ciphertext (truncated)', 3, (part: string) => Buffer.from(part, 'base64url').subarray(0, -3).toString('base64url'), 'authentication-failed'],
    ['the ciphertext (not base64url)', 3, (part: string) => `${part.slice(1)}+`, 'malformed'],
    ['the tag', 4, flipFirst, 'authentication-failed'],
    ['the tag (length)', 4, (part: string) => `${part}AAAA`, 'malformed'],
  ] as const)('refuses a sealed secret with %s altered', (_what, index, change, reason) => {
    const sealed = box.seal(PLAINTEXT, ctx).serialize();
    expectRefused(() => box.open(withPart(sealed, index, change), ctx), reason);
  });

  it('refuses the sealed text of another key of the ring, and text that is not a sealed secret', () => {
    const twoKeys = new SecretBox(keyringOf({ k1, k2 }, 'k1'));
    const sealed = twoKeys.seal(PLAINTEXT, ctx).serialize();
    expectRefused(() => twoKeys.open(withPart(sealed, 1, () => 'k2'), ctx), 'authentication-failed');
    expectRefused(() => box.open(PLAINTEXT, ctx), 'malformed');
    expectRefused(() => box.open(`${sealed}.extra`, ctx), 'malformed');
  });

  it('refuses a key id it does not hold', () => {
    const other = new SecretBox(keyringOf({ k2 }, 'k2'));
    expectRefused(() => box.open(other.seal(PLAINTEXT, ctx), ctx), 'unknown-key');
  });

  it('refuses to seal an empty secret or without a context', () => {
    expectRefused(() => box.seal('', ctx), 'empty-secret');
    expectRefused(() => box.seal(PLAINTEXT, { orgId: 'org_a', purpose: '' }), 'invalid-context');
  });

  it('rotates: the old key still opens, reseal moves to the active key, then the old key can go', () => {
    const before = new SecretBox(keyringOf({ k1 }, 'k1'));
    const sealed = before.seal(PLAINTEXT, ctx);

    const during = new SecretBox(keyringOf({ k1, k2 }, 'k2'));
    expect(during.open(sealed, ctx)).toBe(PLAINTEXT);
    expect(during.needsRotation(sealed)).toBe(true);
    expect(during.needsRotation(sealed.serialize())).toBe(true);
    const resealed = during.reseal(sealed, ctx);
    expect(resealed.keyId).toBe('k2');
    expect(during.needsRotation(resealed)).toBe(false);
    expectRefused(() => during.reseal(sealed, { ...ctx, orgId: 'org_b' }), 'authentication-failed');

    const after = new SecretBox(keyringOf({ k2 }, 'k2'));
    expect(after.open(resealed.serialize(), ctx)).toBe(PLAINTEXT);
    expectRefused(() => after.open(sealed, ctx), 'unknown-key');
  });

  it('never shows the plaintext, the sealed bytes or a key when a box or sealed secret is printed', () => {
    const sealed = box.seal(PLAINTEXT, ctx);
    const stored = sealed.serialize();
    const [, , iv, ciphertext, tag] = stored.split('.') as string[];
    const printed = [
      inspect(box, { showHidden: true, depth: 10 }),
      inspect(sealed, { showHidden: true, depth: 10 }),
      inspect({ sealed }),
      JSON.stringify({ box, sealed }),
      String(sealed),
      `${sealed}`,
    ].join('\n');
    expect(printed).toContain('v1/k1');
    for (const leak of [PLAINTEXT, k1, stored, iv, ciphertext, tag] as string[]) expect(printed).not.toContain(leak);
  });
});

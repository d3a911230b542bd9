import { inspect } from 'node:util';
import { Secret } from '@parley/config';
import { randomKeyMaterial } from '../testing/test-keys';
import { VaultError } from '../vault-error';
import { VaultKeyring } from './vault-keyring';

describe('VaultKeyring', () => {
  const a = randomKeyMaterial();
  const b = randomKeyMaterial();
  const keyring = new VaultKeyring({ keys: new Map([['a', new Secret(a)], ['b', new Secret(b)]]), activeKeyId: 'b' });

  it('shows key ids and never key material when printed or serialised', () => {
    const printed = [inspect(keyring, { showHidden: true, depth: 10 }), JSON.stringify(keyring), String(keyring)].join(' ');
    expect(printed).toContain('a');
    expect(printed).not.toContain(a);
    expect(printed).not.toContain(b);
    expect(JSON.parse(JSON.stringify(keyring))).toEqual({ activeKeyId: 'b', keyIds: ['a', 'b'] });
  });

  it('refuses keys of the wrong size without naming the material', () => {
    const short = Buffer.alloc(16, 7).toString('base64');
    expect(() => new VaultKeyring({ keys: new Map([['a', new Secret(short)]]), activeKeyId: 'a' })).toThrow(
      expect.objectContaining({ reason: 'invalid-keyring', message: expect.not.stringContaining(short) }),
    );
  });

  it('refuses an active key that is not in the ring', () => {
    expect(() => new VaultKeyring({ keys: new Map([['a', new Secret(a)]]), activeKeyId: 'z' })).toThrow(VaultError);
  });

  it('answers unknown-key for an id it does not hold', () => {
    expect(() => keyring.keyFor('c')).toThrow(expect.objectContaining({ reason: 'unknown-key' }));
  });
});

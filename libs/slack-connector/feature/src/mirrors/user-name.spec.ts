import { deriveUserName, MAX_USER_NAME_LENGTH, splitName } from './user-name';

describe('deriveUserName', () => {
  it('takes the lower-cased local part of the email', () => {
    expect(deriveUserName('sales01@parley-demo.example')).toBe('sales01');
    expect(deriveUserName('Grace.Hopper@Navy.mil')).toBe('grace.hopper');
  });

  it('replaces what a Slack handle cannot hold and folds accents', () => {
    expect(deriveUserName('grace+teams@acme.com')).toBe('grace.teams');
    expect(deriveUserName('José.Álvarez@acme.com')).toBe('jose.alvarez');
    expect(deriveUserName('..weird__--name..@acme.com')).toBe('weird_name');
    expect(deriveUserName("o'brien@acme.com")).toBe('o.brien');
  });

  it('never exceeds 21 characters nor ends in a separator', () => {
    const name = deriveUserName('a.very.long.local.part.indeed@acme.com');
    expect(name.length).toBeLessThanOrEqual(MAX_USER_NAME_LENGTH);
    expect(name).toBe('a.very.long.local.par');
    expect(deriveUserName('abcdefghijklmnopqrst.uvw@acme.com')).toBe('abcdefghijklmnopqrst');
  });

  it('falls back to a name when nothing usable is left', () => {
    expect(deriveUserName('+++@acme.com')).toBe('parley.user');
  });

  it('makes a stable variant with a piece of the person id, still within the limit', () => {
    const personId = '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9';
    expect(deriveUserName('sales01@acme.com', personId)).toBe('sales01-5e6f7a');
    expect(deriveUserName('sales01@acme.com', personId)).toBe(deriveUserName('SALES01@acme.com', personId));
    const long = deriveUserName('a.very.long.local.part.indeed@acme.com', personId);
    expect(long).toBe('a.very.long.lo-5e6f7a');
    expect(long.length).toBeLessThanOrEqual(MAX_USER_NAME_LENGTH);
  });
});

describe('splitName', () => {
  it('splits the first word from the rest', () => {
    expect(splitName('Grace Brewster Hopper')).toEqual({ givenName: 'Grace', familyName: 'Brewster Hopper' });
    expect(splitName('  Cher ')).toEqual({ givenName: 'Cher', familyName: '' });
  });
});

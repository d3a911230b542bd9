import { homeUserPrincipalName, mailNicknameOf } from './home-upn';

const personId = '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9';

describe('homeUserPrincipalName', () => {
  it('is the email local part, the first 8 hex of the person id, and the home domain', () => {
    expect(homeUserPrincipalName('Ada.Lovelace@Example.com', personId, 'ContosoParley.onmicrosoft.com')).toBe('ada.lovelace.5e6f7a8b@contosoparley.onmicrosoft.com');
  });

  it('is the same every time for the same person', () => {
    expect(homeUserPrincipalName('ada@example.com', personId, 'h.onmicrosoft.com')).toBe(homeUserPrincipalName('ada@example.com', personId, 'h.onmicrosoft.com'));
  });

  it('keeps people with the same local part apart', () => {
    const other = 'a1b2c3d4-0000-4000-8000-000000000001';
    expect(homeUserPrincipalName('ada@a.example', personId, 'h.onmicrosoft.com')).not.toBe(homeUserPrincipalName('ada@b.example', other, 'h.onmicrosoft.com'));
  });

  it('replaces what a UPN cannot hold and trims dots', () => {
    expect(homeUserPrincipalName('ada+work@example.com', personId, 'h.onmicrosoft.com')).toBe('ada-work.5e6f7a8b@h.onmicrosoft.com');
    expect(homeUserPrincipalName('.a..b.@example.com', personId, 'h.onmicrosoft.com')).toBe('a.b.5e6f7a8b@h.onmicrosoft.com');
    expect(homeUserPrincipalName('"o\'brien"@example.com', personId, 'h.onmicrosoft.com')).toBe('o-brien.5e6f7a8b@h.onmicrosoft.com');
    expect(homeUserPrincipalName('+++@example.com', personId, 'h.onmicrosoft.com')).toBe('guest.5e6f7a8b@h.onmicrosoft.com');
  });

  it('stays within 64 characters before the @', () => {
    const upn = homeUserPrincipalName(`${'x'.repeat(100)}@example.com`, personId, 'h.onmicrosoft.com');
    expect(upn.split('@')[0]).toHaveLength(64);
    expect(upn).toMatch(/^x+\.5e6f7a8b@h\.onmicrosoft\.com$/);
  });

  it('gives the mail nickname as the local part', () => {
    expect(mailNicknameOf('ada.5e6f7a8b@h.onmicrosoft.com')).toBe('ada.5e6f7a8b');
  });
});

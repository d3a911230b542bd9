import { GUEST_PASSWORD_LENGTH, generateGuestPassword, meetsEntraComplexity } from './guest-password';

describe('generateGuestPassword', () => {
  const samples = Array.from({ length: 500 }, () => generateGuestPassword());

  it('always meets the Entra complexity rule, with every class present at least three times', () => {
    for (const password of samples) {
      expect(password).toHaveLength(GUEST_PASSWORD_LENGTH);
      expect(meetsEntraComplexity(password)).toBe(true);
      for (const re of [/[A-Z]/g, /[a-z]/g, /[0-9]/g, /[^A-Za-z0-9]/g]) expect((password.match(re) ?? []).length).toBeGreaterThanOrEqual(3);
      expect(password).not.toMatch(/[\s"'\\<>&]/);
    }
  });

  it('never repeats and does not always put a class at the same position', () => {
    expect(new Set(samples).size).toBe(samples.length);
    const firstIsUpper = samples.filter((p) => /^[A-Z]/.test(p)).length;
    expect(firstIsUpper).toBeGreaterThan(0);
    expect(firstIsUpper).toBeLessThan(samples.length);
  });

  it('refuses lengths Entra or the class minimum cannot take', () => {
    expect(() => generateGuestPassword(11)).toThrow(RangeError);
    expect(() => generateGuestPassword(257)).toThrow(RangeError);
    expect(generateGuestPassword(12)).toHaveLength(12);
  });
});

describe('meetsEntraComplexity', () => {
  it('needs three of the four classes and 8 to 256 characters', () => {
    expect(meetsEntraComplexity('Abcdefg1')).toBe(true);
    expect(meetsEntraComplexity('abcdefg1!')).toBe(true);
    expect(meetsEntraComplexity('abcdefgh1')).toBe(false);
    expect(meetsEntraComplexity('Ab1!')).toBe(false);
    expect(meetsEntraComplexity('Abcdefg1 ')).toBe(false);
    expect(meetsEntraComplexity(`A1a${'x'.repeat(254)}`)).toBe(false);
  });
});

import { emojiAt, normalizeShortcode, shortcodeToUnicode, unicodeToShortcode } from './emoji';

describe('emoji', () => {
  it('normalizes aliases to one name, so reactions named either way match', () => {
    expect(normalizeShortcode('+1')).toBe(normalizeShortcode('thumbsup'));
    expect(normalizeShortcode(':thumbsup:')).toBe('+1');
    expect(normalizeShortcode('satisfied')).toBe(normalizeShortcode('laughing'));
    expect(normalizeShortcode('partyparrot')).toBeUndefined();
  });

  it('converts shortcodes, skin tones included, to unicode', () => {
    expect(shortcodeToUnicode('tada')).toBe('🎉');
    expect(shortcodeToUnicode(':+1::skin-tone-2:')).toBe('👍🏻');
    expect(shortcodeToUnicode('thumbsup::skin-tone-6')).toBe('👍🏿');
    expect(shortcodeToUnicode('wave::skin-tone-4')).toBe('👋🏽');
    expect(shortcodeToUnicode('skin-tone-3')).toBe('🏼');
    expect(shortcodeToUnicode('partyparrot')).toBeUndefined();
    expect(shortcodeToUnicode('tada::skin-tone-9')).toBeUndefined();
  });

  it("converts unicode back to Slack's names, with and without the variation selector", () => {
    expect(unicodeToShortcode('👍')).toBe('+1');
    expect(unicodeToShortcode('👍️')).toBe('+1');
    expect(unicodeToShortcode('👍🏿')).toBe('+1::skin-tone-6');
    expect(unicodeToShortcode('❤️')).toBe('heart');
    expect(unicodeToShortcode('🇺🇸')).toBe('us');
    expect(unicodeToShortcode('x')).toBeUndefined();
  });

  it('finds the longest emoji at a position, but not text characters written without FE0F', () => {
    expect(emojiAt('a👨‍👩‍👧b', 1)).toBe('👨‍👩‍👧');
    expect(emojiAt('1️⃣', 0)).toBe('1️⃣');
    expect(emojiAt('© 2026', 0)).toBeUndefined();
    expect(emojiAt('1 2', 0)).toBeUndefined();
  });

  it('round-trips every Slack shortcode it knows', () => {
    for (const name of ['+1', 'smile', 'heart', 'tada', 'rocket', 'gb', 'point_up::skin-tone-3']) {
      const unicode = shortcodeToUnicode(name);
      expect(unicode && unicodeToShortcode(unicode)).toBe(name);
    }
  });
});

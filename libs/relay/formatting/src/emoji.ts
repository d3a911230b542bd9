// Emoji shortcodes and unicode, from emojibase-data (see docs/adr/0013-relay-formatting-packages.md).
// Slack's names are iamcal's emoji-data names; GitHub's and emojibase's own names are accepted as aliases, so that
// `:thumbsup:`, `:+1:` and a reaction named either way meet at one canonical name.
import compact from 'emojibase-data/en/compact.json';
import emojibaseNames from 'emojibase-data/en/shortcodes/emojibase.json';
import githubNames from 'emojibase-data/en/shortcodes/github.json';
import iamcalNames from 'emojibase-data/en/shortcodes/iamcal.json';

type ShortcodeTable = Record<string, string | string[]>;

/** Slack's skin-tone modifiers: `:skin-tone-2:` (light) to `:skin-tone-6:` (dark), i.e. U+1F3FB to U+1F3FF. */
const SKIN_MODIFIERS = ['1F3FB', '1F3FC', '1F3FD', '1F3FE', '1F3FF'] as const;
const MAX_SHORTCODE_LENGTH = 100;

interface EmojiTables {
  /** any accepted name -> hexcode (emojibase hexcodes carry no FE0F) */
  hexByName: Map<string, string>;
  /** hexcode -> canonical name (Slack's first name when Slack has one) */
  nameByHex: Map<string, string>;
  /** hexcode -> the emoji's fully-qualified form (FE0F only where it belongs: fullyQualified) */
  unicodeByHex: Map<string, string>;
  /** unicode, with and without FE0F -> hexcode; used to recognise emoji in text */
  hexByUnicode: Map<string, string>;
  /** every proper prefix of a key of hexByUnicode: matching stops as soon as no emoji can continue */
  unicodePrefixes: Set<string>;
  /** `${base hexcode} ${tone index}` -> the skin's hexcode, for skins of one tone (ZWJ sequences included) */
  skinByBaseAndTone: Map<string, string>;
  /** a one-tone skin's hexcode -> its base emoji's hexcode and tone index */
  baseOfSkin: Map<string, { base: string; tone: number }>;
}

let tables: EmojiTables | undefined;

function names(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function stripVariationSelectors(text: string): string {
  return text.replace(/\uFE0F/g, '');
}

/**
 * The fully-qualified form of an emoji, as Unicode's emoji-test.txt lists it and emoji keyboards type it: FE0F only
 * after a character that is text by default (❤️, ☺️, 1️⃣). emojibase also writes it after some that are emoji by default
 * (👍️, 😐️); a reaction of one form and a reaction of the other are two reactions on Teams, so Parley sends this one.
 */
function fullyQualified(unicode: string): string {
  return unicode.replace(/(\p{Emoji_Presentation})\uFE0F/gu, '$1');
}

/** Built on first use: the data is ~0.5 MB of JSON and most processes of the repo never need it. */
function load(): EmojiTables {
  if (tables) return tables;
  const hexByName = new Map<string, string>();
  const nameByHex = new Map<string, string>();
  const unicodeByHex = new Map<string, string>();
  const hexByUnicode = new Map<string, string>();
  const unicodePrefixes = new Set<string>();
  const skinByBaseAndTone = new Map<string, string>();
  const baseOfSkin = new Map<string, { base: string; tone: number }>();

  const remember = (hexcode: string, unicode: string): void => {
    unicodeByHex.set(hexcode, fullyQualified(unicode));
    const forms = [unicode, stripVariationSelectors(unicode)];
    for (const form of forms) {
      // A lone character below U+1F000 without its FE0F (©, ™, ↔, ❤) is usually text, not an emoji; one that is an
      // emoji by default (⏫, ⌛) is the emoji.
      const isBareTextCharacter = form !== unicode && [...form].length === 1 && (form.codePointAt(0) ?? 0) < 0x1f000 && !/\p{Emoji_Presentation}/u.test(form);
      if (isBareTextCharacter || hexByUnicode.has(form)) continue;
      hexByUnicode.set(form, hexcode);
      for (let end = 1; end < form.length; end++) unicodePrefixes.add(form.slice(0, end));
    }
  };
  for (const emoji of compact as Array<{ hexcode: string; unicode: string; skins?: Array<{ hexcode: string; unicode: string }> }>) {
    remember(emoji.hexcode, emoji.unicode);
    for (const skin of emoji.skins ?? []) {
      remember(skin.hexcode, skin.unicode);
      const tones = new Set(skin.hexcode.split('-').filter((part) => (SKIN_MODIFIERS as readonly string[]).includes(part)));
      if (tones.size !== 1) continue;
      const tone = SKIN_MODIFIERS.indexOf([...tones][0] as (typeof SKIN_MODIFIERS)[number]);
      skinByBaseAndTone.set(`${emoji.hexcode} ${tone}`, skin.hexcode);
      baseOfSkin.set(skin.hexcode, { base: emoji.hexcode, tone });
    }
  }
  // Earlier tables win: Slack's names first, then GitHub's, then emojibase's own.
  for (const table of [iamcalNames, githubNames, emojibaseNames] as ShortcodeTable[]) {
    for (const [hexcode, value] of Object.entries(table)) {
      if (!unicodeByHex.has(hexcode)) continue;
      const list = names(value);
      if (list.length > 0 && !nameByHex.has(hexcode)) nameByHex.set(hexcode, list[0] as string);
      for (const name of list) if (!hexByName.has(name)) hexByName.set(name, hexcode);
    }
  }
  tables = { hexByName, nameByHex, unicodeByHex, hexByUnicode, unicodePrefixes, skinByBaseAndTone, baseOfSkin };
  return tables;
}

function toneIndex(name: string): number | undefined {
  const match = /^skin-tone-([2-6])$/.exec(name);
  return match ? Number(match[1]) - 2 : undefined;
}

/**
 * The canonical name for a shortcode (with or without colons), or undefined when no emoji has that name.
 * `normalizeShortcode('+1') === normalizeShortcode('thumbsup')`. Custom (workspace) emoji are undefined.
 */
export function normalizeShortcode(shortcode: string): string | undefined {
  const { hexByName, nameByHex } = load();
  const bare = shortcode.replace(/^:|:$/g, '').toLowerCase();
  const hexcode = hexByName.get(bare);
  return hexcode === undefined ? undefined : nameByHex.get(hexcode);
}

/**
 * The unicode emoji for a shortcode such as `thumbsup`, `:+1:` or `+1::skin-tone-3` (Slack writes skin tones as a
 * second shortcode). Undefined for unknown and custom emoji.
 */
export function shortcodeToUnicode(shortcode: string): string | undefined {
  const { hexByName, unicodeByHex } = load();
  const [rawBase, rawTone] = shortcode.replace(/^:|:$/g, '').toLowerCase().split('::');
  const hexcode = hexByName.get(rawBase ?? '');
  if (hexcode === undefined) return undefined;
  if (rawTone === undefined) return unicodeByHex.get(hexcode);
  const tone = toneIndex(rawTone);
  if (tone === undefined) return undefined;
  // Slack accepts a tone on any emoji; when the emoji has no such skin, show the emoji followed by the modifier.
  return unicodeByHex.get(`${hexcode}-${SKIN_MODIFIERS[tone]}`) ?? `${unicodeByHex.get(hexcode)}${unicodeByHex.get(SKIN_MODIFIERS[tone])}`;
}

/**
 * The one emoji a shortcode names, as a reaction must be: a skin tone only where the emoji has that skin (Slack
 * accepts `:tada::skin-tone-3:`, but no such emoji exists, so the tone is dropped). Undefined for unknown and custom
 * emoji and for a malformed tone.
 */
export function shortcodeToSingleEmoji(shortcode: string): string | undefined {
  const { hexByName, unicodeByHex, skinByBaseAndTone } = load();
  const [rawBase, rawTone] = shortcode.replace(/^:|:$/g, '').toLowerCase().split('::');
  const hexcode = hexByName.get(rawBase ?? '');
  if (hexcode === undefined) return undefined;
  if (rawTone === undefined) return unicodeByHex.get(hexcode);
  const tone = toneIndex(rawTone);
  if (tone === undefined) return undefined;
  return unicodeByHex.get(skinByBaseAndTone.get(`${hexcode} ${tone}`) ?? hexcode);
}

/**
 * The unicode emoji in its fully-qualified form (FE0F only where it belongs), or undefined when it is not one emoji. A lone
 * character written without its FE0F (`❤`) counts: as a reaction it can only mean the emoji.
 */
export function canonicalUnicode(unicode: string): string | undefined {
  const { hexByUnicode, unicodeByHex } = load();
  const bare = stripVariationSelectors(unicode);
  const hexcode = hexByUnicode.get(unicode) ?? hexByUnicode.get(bare) ?? hexByUnicode.get(`${bare}\uFE0F`);
  return hexcode === undefined ? undefined : unicodeByHex.get(hexcode);
}

/** Slack's name of a one-tone skin (`+1::skin-tone-3`, `female-detective::skin-tone-2`), whatever its hexcode's shape. */
export function skinShortcode(unicode: string): string | undefined {
  const { hexByUnicode, nameByHex, baseOfSkin } = load();
  const hexcode = hexByUnicode.get(unicode) ?? hexByUnicode.get(stripVariationSelectors(unicode));
  const skin = hexcode === undefined ? undefined : baseOfSkin.get(hexcode);
  const base = skin && nameByHex.get(skin.base);
  return skin && base !== undefined ? `${base}::skin-tone-${skin.tone + 2}` : undefined;
}

/** Slack's shortcode (without colons) for a unicode emoji, e.g. `+1` or `+1::skin-tone-3`; undefined if none. */
export function unicodeToShortcode(unicode: string): string | undefined {
  const { hexByUnicode, nameByHex } = load();
  const hexcode = hexByUnicode.get(unicode) ?? hexByUnicode.get(stripVariationSelectors(unicode));
  if (hexcode === undefined) return undefined;
  const direct = nameByHex.get(hexcode);
  const parts = hexcode.split('-');
  const modifiers = parts.filter((part) => (SKIN_MODIFIERS as readonly string[]).includes(part));
  // A skin variant with one tone is written `:base::skin-tone-N:`, as Slack writes it; Slack has no names of its own for them.
  if (modifiers.length === 1 && parts.length > 1) {
    const base = nameByHex.get(parts.filter((part) => part !== modifiers[0]).join('-'));
    if (base !== undefined) return `${base}::skin-tone-${SKIN_MODIFIERS.indexOf(modifiers[0] as (typeof SKIN_MODIFIERS)[number]) + 2}`;
  }
  return direct;
}

/** Whether `name` could be a Slack emoji name (custom ones included): what may stand between the colons. */
export function isShortcodeName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_SHORTCODE_LENGTH && /^[a-z0-9_+'\-.]+$/i.test(name);
}

/** The longest emoji at `index` in `text` (as an exact substring), or undefined. Bounded lookahead, so linear overall. */
export function emojiAt(text: string, index: number): string | undefined {
  const { hexByUnicode, unicodePrefixes } = load();
  const first = text.charCodeAt(index);
  // Keycaps start with an ASCII character (#, *, 0-9): only with FE0F or U+20E3 after it is that an emoji.
  if (first < 0x80 && text.charCodeAt(index + 1) !== 0xfe0f && text.charCodeAt(index + 1) !== 0x20e3) return undefined;
  let found: string | undefined;
  for (let end = index + 1; end <= text.length; end++) {
    const candidate = text.slice(index, end);
    if (hexByUnicode.has(candidate)) found = candidate;
    if (!unicodePrefixes.has(candidate)) break;
  }
  return found;
}

export { MAX_SHORTCODE_LENGTH };

// Slack mrkdwn (a message's `text`) to Teams HTML. One pass over lines and one over each line's characters, with
// every "find the next X" answered from precomputed tables, so the time is linear in the input whatever its shape.
import { isShortcodeName, MAX_SHORTCODE_LENGTH, shortcodeToUnicode } from './emoji';
import { escapeHtml, isSafeUrl, unescapeSlack } from './escape';
import type { SlackToTeamsContext, SlackToTeamsResult, TeamsMention } from './types';

const FENCE = '```';
const MARK_TAGS: Record<string, string> = { '*': 'strong', _: 'em', '~': 's' };
/** Slack's list bullets by depth, as its composer writes them into `text`. */
const BULLETS = ['•', '◦', '▪'];
const INDENT = '    ';

type Item = { kind: 'line'; text: string } | { kind: 'pre'; text: string };
type Block =
  | { kind: 'lines'; lines: string[] }
  | { kind: 'pre'; text: string }
  | { kind: 'quote'; lines: string[] }
  | { kind: 'list'; items: ListItem[] };
interface ListItem {
  depth: number;
  ordered: boolean;
  text: string;
}

class Conversion {
  readonly mentions: TeamsMention[] = [];
  readonly unresolved = new Set<string>();
  readonly unknownEmoji = new Set<string>();

  constructor(private readonly ctx: SlackToTeamsContext) {}

  /** `<...>` content: a mention, channel, broadcast or link. In code (`plain`), only its visible text. */
  angle(content: string, plain: boolean): string {
    const bar = content.indexOf('|');
    const target = bar < 0 ? content : content.slice(0, bar);
    const label = bar < 0 ? undefined : unescapeSlack(content.slice(bar + 1));
    if (target.startsWith('@')) return this.userMention(target.slice(1), label, plain);
    if (target.startsWith('#')) {
      const name = label ?? this.ctx.resolveSlackChannel?.(target.slice(1)) ?? target.slice(1);
      return escapeHtml(`#${name.replace(/^#/, '')}`);
    }
    if (target.startsWith('!')) return escapeHtml(this.special(target.slice(1), label));
    const url = unescapeSlack(target);
    const text = label === undefined || label === '' ? url : label;
    if (plain || !isSafeUrl(url)) return escapeHtml(text);
    return `<a href="${escapeHtml(url)}">${escapeHtml(text)}</a>`;
  }

  /** Broadcasts, user groups and dates: visible text only, never a notification on the other side. */
  private special(command: string, label: string | undefined): string {
    const [name = '', argument] = command.split('^');
    if (name === 'here' || name === 'channel' || name === 'everyone') return `@${name}`;
    if (name === 'subteam') {
      const handle = label ?? this.ctx.resolveSlackUsergroup?.(argument ?? '') ?? 'group';
      return handle.startsWith('@') ? handle : `@${handle}`;
    }
    return label ?? name;
  }

  private userMention(userId: string, label: string | undefined, plain: boolean): string {
    const person = this.ctx.resolveSlackUser(userId);
    const name = person?.displayName ?? label ?? userId;
    if (plain) return escapeHtml(`@${name}`);
    if (!person?.teamsUserId) {
      this.unresolved.add(userId);
      return escapeHtml(`@${name}`);
    }
    const id = this.mentions.length;
    this.mentions.push({
      id,
      mentionText: name,
      mentioned: { user: { id: person.teamsUserId, displayName: name, userIdentityType: 'aadUser' } },
    });
    return `<at id="${id}">${escapeHtml(name)}</at>`;
  }

  /** Text shown as typed (code): Slack's escapes undone, `<...>` as its visible text, everything HTML-escaped. */
  plain(text: string): string {
    const next = nextIndexTables(text, '<>');
    let out = '';
    let i = 0;
    let from = 0;
    while (i < text.length) {
      const open = next('<', i);
      const close = open < 0 ? -1 : next('>', open + 1);
      if (close < 0) break;
      const nextOpen = next('<', open + 1);
      if (nextOpen >= 0 && nextOpen < close) {
        i = nextOpen;
        continue;
      }
      out += escapeHtml(unescapeSlack(text.slice(from, open))) + this.angle(text.slice(open + 1, close), true);
      i = from = close + 1;
    }
    return out + escapeHtml(unescapeSlack(text.slice(from)));
  }

  /** One line of mrkdwn to inline HTML: emphasis, inline code, `<...>`, emoji and entities. */
  inline(line: string): string {
    const tokens = this.tokenize(line);
    matchEmphasis(tokens);
    let html = '';
    for (const token of tokens) {
      if (token.kind === 'html') html += token.html;
      else if (token.partner === undefined) html += escapeHtml(token.char);
      else html += token.opens ? `<${MARK_TAGS[token.char]}>` : `</${MARK_TAGS[token.char]}>`;
    }
    return html;
  }

  private tokenize(line: string): Token[] {
    const next = nextIndexTables(line, '`<>:');
    const tokens: Token[] = [];
    let text = '';
    const flush = (): void => {
      if (text) tokens.push({ kind: 'html', html: escapeHtml(unescapeSlack(text)) });
      text = '';
    };
    let i = 0;
    while (i < line.length) {
      const c = line[i] as string;
      if (c === '`') {
        const close = next('`', i + 1);
        if (close > i + 1) {
          flush();
          tokens.push({ kind: 'html', html: `<code>${this.plain(line.slice(i + 1, close))}</code>` });
          i = close + 1;
          continue;
        }
      } else if (c === '<') {
        const close = next('>', i + 1);
        const nextOpen = next('<', i + 1);
        if (close > i + 1 && (nextOpen < 0 || nextOpen > close)) {
          flush();
          tokens.push({ kind: 'html', html: this.angle(line.slice(i + 1, close), false) });
          i = close + 1;
          continue;
        }
      } else if (c === ':') {
        const emoji = this.emojiAt(line, i, next);
        if (emoji) {
          flush();
          tokens.push({ kind: 'html', html: emoji.html });
          i = emoji.end;
          continue;
        }
      } else if (c in MARK_TAGS) {
        const before = line[i - 1];
        const after = line[i + 1];
        const canOpen = after !== undefined && !isSpace(after) && (before === undefined || !isWordCharacter(before));
        const canClose = before !== undefined && !isSpace(before) && (after === undefined || !isWordCharacter(after));
        if (canOpen || canClose) {
          flush();
          tokens.push({ kind: 'mark', char: c, canOpen, canClose, opens: false });
          i++;
          continue;
        }
      }
      text += c;
      i++;
    }
    flush();
    return tokens;
  }

  /** `:name:` or `:name::skin-tone-N:` at `i`. Unknown names stay as typed and are reported (custom emoji). */
  private emojiAt(line: string, i: number, next: NextIndex): { html: string; end: number } | undefined {
    const close = next(':', i + 1);
    if (close < 0 || close - i - 1 > MAX_SHORTCODE_LENGTH) return undefined;
    const name = line.slice(i + 1, close);
    if (!isShortcodeName(name)) return undefined;
    let end = close + 1;
    let shortcode = name;
    if (line[end] === ':') {
      const toneClose = next(':', end + 1);
      const tone = toneClose > 0 ? line.slice(end + 1, toneClose) : '';
      if (/^skin-tone-[2-6]$/.test(tone)) {
        shortcode = `${name}::${tone}`;
        end = toneClose + 1;
      }
    }
    const unicode = shortcodeToUnicode(shortcode);
    if (unicode !== undefined) return { html: unicode, end };
    // "12:30:45" is a time, not an emoji: a custom emoji name has a letter in it.
    if (!/[a-z]/i.test(name)) return undefined;
    this.unknownEmoji.add(name);
    return { html: escapeHtml(`:${name}:`), end: close + 1 };
  }
}

type Token = { kind: 'html'; html: string } | MarkToken;
interface MarkToken {
  kind: 'mark';
  char: string;
  canOpen: boolean;
  canClose: boolean;
  opens: boolean;
  partner?: MarkToken;
}

/**
 * Pairs `*`, `_` and `~` the way Slack does within a line: a closer takes the nearest open opener of its kind; openers
 * of other kinds left inside stay literal. Each token is pushed and popped at most once, so this is linear.
 */
function matchEmphasis(tokens: Token[]): void {
  const stack: MarkToken[] = [];
  const open: Record<string, number> = { '*': 0, _: 0, '~': 0 };
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index] as Token;
    if (token.kind !== 'mark') continue;
    const previous = tokens[index - 1];
    const empty = previous !== undefined && previous.kind === 'mark' && previous === stack[stack.length - 1] && previous.char === token.char;
    if (token.canClose && (open[token.char] ?? 0) > 0 && !empty) {
      let opener = stack.pop();
      while (opener && opener.char !== token.char) {
        open[opener.char]--;
        opener = stack.pop();
      }
      if (opener) {
        open[opener.char]--;
        opener.partner = token;
        opener.opens = true;
        token.partner = opener;
        continue;
      }
    }
    if (token.canOpen) {
      stack.push(token);
      open[token.char] = (open[token.char] ?? 0) + 1;
    }
  }
}

type NextIndex = (char: string, from: number) => number;

/** For each of `chars`, the index of its next occurrence at or after any position, in O(1) after an O(n) build. */
function nextIndexTables(text: string, chars: string): NextIndex {
  const tables = new Map<string, Int32Array>();
  for (const char of chars) {
    const table = new Int32Array(text.length + 1);
    let next = -1;
    table[text.length] = -1;
    for (let i = text.length - 1; i >= 0; i--) {
      if (text[i] === char) next = i;
      table[i] = next;
    }
    tables.set(char, table);
  }
  return (char, from) => (from >= text.length ? -1 : (tables.get(char) as Int32Array)[from] as number);
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\u00a0';
}

function isWordCharacter(c: string): boolean {
  return /[\p{L}\p{N}]/u.test(c);
}

/** Splits off fenced code blocks; a fence without a partner is literal text, as in Slack. */
function items(text: string): Item[] {
  const fences: number[] = [];
  for (let at = text.indexOf(FENCE); at >= 0; at = text.indexOf(FENCE, at + FENCE.length)) fences.push(at);
  if (fences.length % 2 === 1) fences.pop();
  const result: Item[] = [];
  let position = 0;
  for (let f = 0; f < fences.length; f += 2) {
    const open = fences[f] as number;
    const close = fences[f + 1] as number;
    pushLines(result, text.slice(position, open), position > 0, true);
    let code = text.slice(open + FENCE.length, close);
    if (code.startsWith('\n')) code = code.slice(1);
    if (code.endsWith('\n')) code = code.slice(0, -1);
    result.push({ kind: 'pre', text: code });
    position = close + FENCE.length;
  }
  pushLines(result, text.slice(position), fences.length > 0, false);
  return result;
}

/** The line break next to a code block belongs to the block (it is where the block starts or ends). */
function pushLines(result: Item[], segment: string, afterBlock: boolean, beforeBlock: boolean): void {
  const lines = segment.split('\n');
  if (afterBlock && lines[0] === '') lines.shift();
  if (beforeBlock && lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) result.push({ kind: 'line', text: line });
}

function listItem(line: string, expected: number[]): ListItem | undefined {
  let spaces = 0;
  while (line[spaces] === ' ') spaces++;
  const depth = Math.floor(spaces / INDENT.length);
  const rest = line.slice(spaces);
  if (spaces % INDENT.length === 0 && BULLETS.includes(rest[0] as string) && rest[1] === ' ') {
    return { depth, ordered: false, text: rest.slice(2) };
  }
  const dot = rest.indexOf('. ');
  if (spaces % INDENT.length === 0 && dot > 0 && dot <= 9 && /^\d+$/.test(rest.slice(0, dot))) {
    // Only a run numbered 1, 2, 3... is a list: "3. Take the train" alone is a sentence, and <ol> would renumber it.
    if (Number(rest.slice(0, dot)) === (expected[depth] ?? 1)) return { depth, ordered: true, text: rest.slice(dot + 2) };
  }
  return undefined;
}

function quoteLine(line: string): string | undefined {
  const marker = line.startsWith('&gt;') ? 4 : line.startsWith('>') ? 1 : 0;
  if (marker === 0) return undefined;
  return line[marker] === ' ' ? line.slice(marker + 1) : line.slice(marker);
}

function blocks(all: Item[]): Block[] {
  const result: Block[] = [];
  let quoteRest = false;
  let expected: number[] = [];
  const last = (): Block | undefined => result[result.length - 1];
  for (const item of all) {
    if (item.kind === 'pre') {
      result.push({ kind: 'pre', text: item.text });
      expected = [];
      continue;
    }
    const line = item.text;
    if (!quoteRest && (line.startsWith('&gt;&gt;&gt;') || line.startsWith('>>>'))) {
      // Slack's `>>>` quotes everything after it.
      quoteRest = true;
      const rest = line.slice(line.startsWith('>>>') ? 3 : 12).replace(/^ /, '');
      result.push({ kind: 'quote', lines: [rest] });
      continue;
    }
    const quoted = quoteRest ? line : quoteLine(line);
    const previous = last();
    if (quoted !== undefined) {
      if (previous?.kind === 'quote') previous.lines.push(quoted);
      else result.push({ kind: 'quote', lines: [quoted] });
      expected = [];
      continue;
    }
    const entry = listItem(line, previous?.kind === 'list' ? expected : []);
    if (entry && (entry.depth === 0 || previous?.kind === 'list')) {
      if (previous?.kind !== 'list') expected = [];
      const depth = Math.min(entry.depth, previous?.kind === 'list' ? (previous.items[previous.items.length - 1] as ListItem).depth + 1 : 0);
      expected = expected.slice(0, depth + 1);
      expected[depth] = entry.ordered ? (expected[depth] ?? 1) + 1 : 1;
      const normalized = { ...entry, depth };
      if (previous?.kind === 'list') previous.items.push(normalized);
      else result.push({ kind: 'list', items: [normalized] });
      continue;
    }
    expected = [];
    if (previous?.kind === 'lines') previous.lines.push(line);
    else result.push({ kind: 'lines', lines: [line] });
  }
  return result;
}

function renderList(items: ListItem[], conversion: Conversion): string {
  let html = '';
  const open: Array<'ul' | 'ol'> = [];
  for (const item of items) {
    const tag = item.ordered ? 'ol' : 'ul';
    while (open.length > item.depth + 1) html += `</li></${open.pop()}>`;
    if (open.length === item.depth + 1 && open[open.length - 1] !== tag) html += `</li></${open.pop()}>`;
    if (open.length === item.depth + 1) html += '</li>';
    while (open.length < item.depth + 1) {
      html += `<${tag}>`;
      open.push(tag);
    }
    html += `<li>${conversion.inline(item.text)}`;
  }
  while (open.length > 0) html += `</li></${open.pop()}>`;
  return html;
}

/**
 * Converts Slack mrkdwn to Teams HTML. Mentions of people with a Teams account become `<at>` plus a `mentions[]`
 * entry; everyone else, broadcasts, user groups and channels become plain text. Text typed by the sender can never
 * become markup on Teams: every character that is not Slack formatting is HTML-escaped.
 */
export function slackToTeams(text: string, ctx: SlackToTeamsContext): SlackToTeamsResult {
  const conversion = new Conversion(ctx);
  const all = blocks(items(text));
  let html = '';
  all.forEach((block, index) => {
    if (block.kind === 'pre') html += `<pre>${conversion.plain(block.text)}</pre>`;
    else if (block.kind === 'quote') html += `<blockquote>${block.lines.map((line) => conversion.inline(line)).join('<br>')}</blockquote>`;
    else if (block.kind === 'list') html += renderList(block.items, conversion);
    else {
      html += block.lines.map((line) => conversion.inline(line)).join('<br>');
      // A browser swallows a <br> right before a block; a blank line there needs a second one.
      if (index < all.length - 1 && block.lines[block.lines.length - 1] === '') html += '<br>';
    }
  });
  return {
    html,
    mentions: conversion.mentions,
    unresolvedMentions: [...conversion.unresolved],
    unknownEmoji: [...conversion.unknownEmoji],
  };
}

// Splitting text that is over a platform's limit into messages that are not, in order, losing nothing.
import { escapeHtml } from './escape';
import { HTMLElement, type Node, parseTeamsHtml, tagName, TextNode } from './html';
import type { TeamsMention } from './types';

/**
 * Slack truncates `text` past 40,000 characters, and recommends keeping it to 4,000 for readability; the relay splits
 * at 4,000 (see slack.md).
 */
export const SLACK_TEXT_LIMIT = 4_000;
/** Graph refuses a chat message body over about 28 KB; this leaves room for the rest of the request. */
export const TEAMS_HTML_LIMIT_BYTES = 24_000;

const FENCE = '```';

/**
 * Splits Slack mrkdwn into parts of at most `limit` characters, preferring a paragraph break, then a line break,
 * then a space, in the second half of each part. It never cuts inside `<…>` (a mention or link), an `&…;` escape or a
 * surrogate pair, and a code block cut in two is closed at the end of one part and reopened at the start of the
 * next. Joined, the parts are the input plus those added fences. A single `<…>` longer than the limit is kept whole,
 * so such a part can exceed the limit; the caller reports what the platform refuses.
 */
export function splitForSlack(text: string, limit: number = SLACK_TEXT_LIMIT): string[] {
  if (limit < 2 * FENCE.length + 8) throw new RangeError(`limit ${limit} is too small to split into`);
  if (text.length <= limit) return [text];
  const unsafe = unsafeCuts(text);
  const inCode = codeRegions(text, unsafe);
  const parts: string[] = [];
  let start = 0;
  let reopen = false;
  while (start < text.length) {
    const prefix = reopen ? FENCE : '';
    if (prefix.length + text.length - start <= limit) {
      parts.push(prefix + text.slice(start));
      break;
    }
    const budget = limit - prefix.length - FENCE.length;
    const cut = chooseCut(text, start, start + budget, unsafe);
    const closes = inCode[cut] === 1;
    parts.push(prefix + text.slice(start, cut) + (closes ? FENCE : ''));
    reopen = closes;
    start = cut;
  }
  return parts;
}

/** The best cut in (start, end]: the latest paragraph, line or word break past the middle, else the latest safe one. */
function chooseCut(text: string, start: number, end: number, unsafe: Uint8Array): number {
  const middle = start + Math.floor((end - start) / 2);
  let line = -1;
  let word = -1;
  let any = -1;
  for (let cut = end; cut > start; cut--) {
    if (unsafe[cut] === 1) continue;
    if (any < 0) any = cut;
    if (cut < middle) break;
    const before = text[cut - 1];
    if (before === '\n' && text[cut - 2] === '\n') return cut;
    if (before === '\n' && line < 0) line = cut;
    if (before === ' ' && word < 0) word = cut;
  }
  if (line >= 0) return line;
  if (word >= 0) return word;
  if (any >= 0) return any;
  // Nothing safe before the limit (one enormous `<…>`): keep it whole.
  let cut = end + 1;
  while (cut < text.length && unsafe[cut] === 1) cut++;
  return cut;
}

/** unsafe[i] = 1 when cutting before index i would break a `<…>`, an `&…;`, a fence or a surrogate pair. */
function unsafeCuts(text: string): Uint8Array {
  const unsafe = new Uint8Array(text.length + 1);
  let open = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3c /* < */) open = i;
    else if (c === 0x3e /* > */ && open >= 0) {
      unsafe.fill(1, open + 1, i + 1);
      open = -1;
    } else if (c === 0x0a /* newline */) open = -1;
    if (c === 0x26 /* & */) {
      let end = i + 1;
      while (end < text.length && end - i <= 10 && /[a-zA-Z0-9#]/.test(text[end] as string)) end++;
      if (text[end] === ';') unsafe.fill(1, i + 1, end + 1);
    }
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) unsafe[i] = 1;
  }
  return unsafe;
}

/** inCode[i] = 1 when index i lies inside a fenced code block (between a fence and its partner). */
function codeRegions(text: string, unsafe: Uint8Array): Uint8Array {
  const inCode = new Uint8Array(text.length + 1);
  const fences: number[] = [];
  for (let at = text.indexOf(FENCE); at >= 0; at = text.indexOf(FENCE, at + FENCE.length)) fences.push(at);
  for (let f = 0; f + 1 < fences.length; f += 2) {
    const open = fences[f] as number;
    const close = fences[f + 1] as number;
    inCode.fill(1, open + FENCE.length, close + 1);
    // Within the block's first line or right before its closing fence, a cut would leave an empty block behind.
    // (Only a short first line: a block that is one enormous line must still be cut somewhere.)
    let firstLineEnd = open + FENCE.length;
    while (firstLineEnd < close && firstLineEnd < open + 100 && text[firstLineEnd] !== '\n') firstLineEnd++;
    unsafe.fill(1, open + FENCE.length, Math.min(firstLineEnd + 2, close + 1));
    unsafe[close] = 1;
  }
  for (const at of fences) unsafe.fill(1, at + 1, at + FENCE.length);
  return inCode;
}

export interface TeamsPart {
  html: string;
  /** the entries of `mentions[]` whose `<at id>` is in this part */
  mentions: TeamsMention[];
}

/** Elements a split never enters: a mention, a link, an emoji or an attachment is whole in one part or not at all. */
const ATOMIC = new Set(['at', 'a', 'emoji', 'attachment', 'img', 'code']);
/** Below this depth everything is kept whole: no real message nests deeper, and the split stays linear. */
const MAX_SPLIT_DEPTH = 32;

/**
 * Splits a Teams HTML body into bodies of at most `limitBytes` UTF-8 bytes, between top-level nodes where it can
 * (after a `<br>` first), else inside the oversized element, which is closed and reopened around the cut (a `<pre>`
 * becomes two `<pre>`s, a list two lists). Text is cut at spaces, never inside a tag or an entity. Each part carries
 * the mentions it refers to. An atomic element (mention, link, emoji) larger than the limit is kept whole.
 */
export function splitForTeams(html: string, mentions: readonly TeamsMention[], limitBytes: number = TEAMS_HTML_LIMIT_BYTES): TeamsPart[] {
  if (limitBytes < 64) throw new RangeError(`limit ${limitBytes} is too small to split into`);
  const pieces = byteLength(html) <= limitBytes ? [html] : splitNodes(parseTeamsHtml(html).childNodes, limitBytes, 0);
  return pieces.map((piece) => ({ html: piece, mentions: mentionsIn(piece, mentions) }));
}

function splitNodes(nodes: readonly Node[], budget: number, depth: number): string[] {
  const parts: string[] = [];
  let current: string[] = [];
  let currentBytes = 0;
  /** index in `current` just after its last <br>: the preferred place to end a part */
  let afterBreak = -1;
  const flush = (upTo: number): void => {
    parts.push(current.slice(0, upTo).join(''));
    current = current.slice(upTo);
    currentBytes = byteLength(current.join(''));
    afterBreak = -1;
  };
  for (const node of nodes) {
    const html = serialize(node);
    const bytes = byteLength(html);
    if (currentBytes + bytes > budget && current.length > 0) {
      flush(afterBreak > 0 && afterBreak < current.length ? afterBreak : current.length);
      if (currentBytes + bytes > budget && current.length > 0) flush(current.length);
    }
    if (bytes <= budget) {
      current.push(html);
      currentBytes += bytes;
    } else {
      const pieces = splitNode(node, budget, depth);
      parts.push(...pieces.slice(0, -1));
      current = [pieces[pieces.length - 1] as string];
      currentBytes = byteLength(current[0] as string);
    }
    if (node instanceof HTMLElement && tagName(node) === 'br') afterBreak = current.length;
  }
  if (current.length > 0) parts.push(current.join(''));
  return parts;
}

function splitNode(node: Node, budget: number, depth: number): string[] {
  if (node instanceof TextNode) return splitText(node.text, budget);
  if (!(node instanceof HTMLElement)) return [serialize(node)];
  const tag = tagName(node);
  const open = `<${tag}${node.rawAttrs ? ` ${node.rawAttrs}` : ''}>`;
  const close = `</${tag}>`;
  const inner = budget - byteLength(open + close);
  if (ATOMIC.has(tag) || depth >= MAX_SPLIT_DEPTH || inner < 16) return [serialize(node)];
  if (tag === 'pre' || tag === 'codeblock') {
    // Code is cut at line ends and each piece is a code block of its own.
    return splitText(node.text, inner, '\n').map((piece) => open + piece + close);
  }
  return splitNodes(node.childNodes, inner, depth + 1).map((piece) => open + piece + close);
}

/** Cuts text (decoded) at `separator`s so that each piece, HTML-escaped, fits; a word longer than that is cut too. */
function splitText(text: string, budget: number, separator = ' '): string[] {
  const pieces: string[] = [];
  let piece = '';
  let pieceBytes = 0;
  const tokens = text.split(separator);
  tokens.forEach((token, index) => {
    const withSeparator = index < tokens.length - 1 ? token + separator : token;
    const escaped = escapeHtml(withSeparator);
    const bytes = byteLength(escaped);
    if (pieceBytes + bytes > budget && piece) {
      pieces.push(piece);
      piece = '';
      pieceBytes = 0;
    }
    if (bytes <= budget) {
      piece += escaped;
      pieceBytes += bytes;
      return;
    }
    // One word over the budget: by code points, so no character is cut.
    for (const char of withSeparator) {
      const escapedChar = escapeHtml(char);
      const charBytes = byteLength(escapedChar);
      if (pieceBytes + charBytes > budget && piece) {
        pieces.push(piece);
        piece = '';
        pieceBytes = 0;
      }
      piece += escapedChar;
      pieceBytes += charBytes;
    }
  });
  if (piece || pieces.length === 0) pieces.push(piece);
  return pieces;
}

function serialize(node: Node): string {
  return node.toString();
}

/** UTF-8 length, counted without encoding (a lone surrogate counts as the 3-byte replacement character). */
function byteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function mentionsIn(html: string, mentions: readonly TeamsMention[]): TeamsMention[] {
  const present = new Set<string>();
  const stack: Node[] = [parseTeamsHtml(html)];
  while (stack.length > 0) {
    const node = stack.pop() as Node;
    if (!(node instanceof HTMLElement)) continue;
    if (tagName(node) === 'at') present.add(node.getAttribute('id') ?? '');
    stack.push(...node.childNodes);
  }
  return mentions.filter((mention) => present.has(String(mention.id)));
}

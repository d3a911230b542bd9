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
  const inCode = codeRegions(text, unsafe, limit);
  const parts: string[] = [];
  let start = 0;
  let reopen = false;
  while (start < text.length) {
    const prefix = reopen ? FENCE : '';
    if (prefix.length + text.length - start <= limit) {
      parts.push(prefix + text.slice(start));
      break;
    }
    // A cut inside a code block costs a closing fence as well.
    let cut = chooseCut(text, start, start + limit - prefix.length, unsafe);
    if (inCode[cut] === 1) cut = chooseCut(text, start, start + limit - prefix.length - FENCE.length, unsafe);
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
function codeRegions(text: string, unsafe: Uint8Array, limit: number): Uint8Array {
  const inCode = new Uint8Array(text.length + 1);
  const fences: number[] = [];
  for (let at = text.indexOf(FENCE); at >= 0; at = text.indexOf(FENCE, at + FENCE.length)) fences.push(at);
  for (let f = 0; f + 1 < fences.length; f += 2) {
    const open = fences[f] as number;
    const close = fences[f + 1] as number;
    inCode.fill(1, open + FENCE.length, close + 1);
    // Within the block's first line or right before its closing fence, a cut would leave an empty block behind.
    // (Only a short first line, short next to the limit too: a block that is one long line must still be cut
    // somewhere, or the part holding it would exceed the limit. fast-check found that with a limit of 60.)
    const protectedLength = Math.min(100, Math.floor(limit / 4));
    let firstLineEnd = open + FENCE.length;
    while (firstLineEnd < close && firstLineEnd < open + protectedLength && text[firstLineEnd] !== '\n') firstLineEnd++;
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
const ATOMIC = new Set(['at', 'a', 'emoji', 'attachment', 'img']);
const VOID = new Set(['br', 'hr', 'img', 'wbr', 'area', 'base', 'col', 'embed', 'input', 'link', 'meta', 'source', 'track']);
/**
 * Elements nested deeper than this lose their tags (not their text) in a split: every part has to close and reopen
 * the elements around its cut, and no real message nests this deep.
 */
const MAX_SPLIT_DEPTH = 16;

/** A piece of the body that a part either holds whole or not at all. */
interface Piece {
  html: string;
  bytes: number;
  mentionId?: string;
}

type Token =
  | { kind: 'piece'; piece: Piece; breakAfter: boolean }
  | { kind: 'open'; html: string; close: string; bytes: number; closeBytes: number }
  | { kind: 'close' }
  | { kind: 'text'; text: string; separator: string };

/**
 * Splits a Teams HTML body into bodies of at most `limitBytes` UTF-8 bytes. It cuts after a `<br>` or a top-level
 * block where it can, else inside the oversized element, which is closed and reopened around the cut (a `<pre>`
 * becomes two `<pre>`s, a list two lists). Text is cut at spaces (code at line ends), never inside a tag or an entity.
 * Each part carries the mentions it refers to. An atomic element (mention, link, emoji) larger than the limit is kept
 * whole. The work is linear in the input.
 */
export function splitForTeams(html: string, mentions: readonly TeamsMention[], limitBytes: number = TEAMS_HTML_LIMIT_BYTES): TeamsPart[] {
  if (limitBytes < 64) throw new RangeError(`limit ${limitBytes} is too small to split into`);
  const byId = new Map(mentions.map((mention) => [String(mention.id), mention]));
  if (byteLength(html) <= limitBytes) return [{ html, mentions: mentionsOf(parseTeamsHtml(html), byId) }];
  return pack(tokenize(parseTeamsHtml(html)), limitBytes).map((pieces) => ({
    html: pieces.map((piece) => piece.html).join(''),
    mentions: [...new Set(pieces.map((piece) => piece.mentionId).filter((id) => id !== undefined))]
      .map((id) => byId.get(id))
      .filter((mention) => mention !== undefined),
  }));
}

/** The body as a flat token stream (an explicit stack, so any depth is fine). */
function tokenize(root: HTMLElement): Token[] {
  const tokens: Token[] = [];
  const stack: Array<{ node: Node; depth: number; close?: boolean; inPre: boolean }> = [];
  const pushChildren = (element: HTMLElement, depth: number, inPre: boolean): void => {
    for (let i = element.childNodes.length - 1; i >= 0; i--) stack.push({ node: element.childNodes[i] as Node, depth, inPre });
  };
  pushChildren(root, 0, false);
  while (stack.length > 0) {
    const { node, depth, close, inPre } = stack.pop() as { node: Node; depth: number; close?: boolean; inPre: boolean };
    if (close) {
      tokens.push({ kind: 'close' });
      continue;
    }
    if (node instanceof TextNode) {
      tokens.push({ kind: 'text', text: node.text, separator: inPre ? '\n' : ' ' });
      continue;
    }
    if (!(node instanceof HTMLElement)) continue;
    const tag = tagName(node);
    const open = `<${node.rawTagName}${node.rawAttrs ? ` ${node.rawAttrs}` : ''}>`;
    if (ATOMIC.has(tag) || VOID.has(tag)) {
      const html = VOID.has(tag) ? open : serialize(node);
      const mentionId = tag === 'at' ? (node.getAttribute('id') ?? undefined) : undefined;
      tokens.push({ kind: 'piece', piece: { html, bytes: byteLength(html), mentionId }, breakAfter: tag === 'br' && depth === 0 });
      continue;
    }
    const pre = inPre || tag === 'pre' || tag === 'codeblock';
    if (depth >= MAX_SPLIT_DEPTH) {
      pushChildren(node, depth + 1, pre);
      continue;
    }
    const closeTag = `</${node.rawTagName}>`;
    tokens.push({ kind: 'open', html: open, close: closeTag, bytes: byteLength(open), closeBytes: byteLength(closeTag) });
    stack.push({ node, depth, close: true, inPre });
    pushChildren(node, depth + 1, pre);
  }
  return tokens;
}

/** Greedy packing of the token stream into parts, each closing what it opened and reopening it in the next. */
function pack(tokens: Token[], limit: number): Piece[][] {
  const parts: Piece[][] = [];
  const open: Array<{ html: string; close: string; bytes: number; closeBytes: number }> = [];
  let part: Piece[] = [];
  let bytes = 0;
  let closeBytes = 0;
  /** where the current part could end with nothing open: after a top-level <br> or block */
  let breakAt = -1;
  let breakBytes = 0;
  let content = false;

  const startPart = (): void => {
    part = open.map((element) => ({ html: element.html, bytes: element.bytes }));
    bytes = open.reduce((sum, element) => sum + element.bytes, 0);
    breakAt = -1;
    content = false;
  };
  const endPart = (): void => {
    if (!content) return;
    if (breakAt > 0 && breakAt < part.length && breakBytes > limit / 2) {
      // End at the last clean break; what came after it starts the next part (nothing was open there).
      const rest = part.slice(breakAt);
      parts.push(part.slice(0, breakAt));
      part = rest;
      bytes = rest.reduce((sum, piece) => sum + piece.bytes, 0);
      breakAt = -1;
      content = rest.length > 0;
      return;
    }
    parts.push([...part, ...[...open].reverse().map((element) => ({ html: element.close, bytes: element.closeBytes }))]);
    startPart();
  };
  const add = (piece: Piece): void => {
    if (bytes + piece.bytes + closeBytes > limit && content) {
      endPart();
      if (bytes + piece.bytes + closeBytes > limit && content) endPart();
    }
    part.push(piece);
    bytes += piece.bytes;
    content = true;
  };

  for (const token of tokens) {
    if (token.kind === 'open') {
      // An element that cannot fit with what is already here starts the next part.
      if (bytes + token.bytes + token.closeBytes + closeBytes > limit && content) endPart();
      open.push(token);
      part.push({ html: token.html, bytes: token.bytes });
      bytes += token.bytes;
      closeBytes += token.closeBytes;
    } else if (token.kind === 'close') {
      const element = open.pop();
      if (!element) continue;
      closeBytes -= element.closeBytes;
      part.push({ html: element.close, bytes: element.closeBytes });
      bytes += element.closeBytes;
      if (open.length === 0) [breakAt, breakBytes] = [part.length, bytes];
    } else if (token.kind === 'piece') {
      add(token.piece);
      if (token.breakAfter && open.length === 0) [breakAt, breakBytes] = [part.length, bytes];
    } else {
      for (const piece of textPieces(token.text, token.separator, limit - closeBytes - open.reduce((sum, e) => sum + e.bytes, 0))) add(piece);
    }
  }
  if (content || parts.length === 0) parts.push([...part, ...[...open].reverse().map((element) => ({ html: element.close, bytes: element.closeBytes }))]);
  return parts;
}

/** Text (decoded) as escaped pieces cut after each separator; a run longer than `budget` is cut between characters. */
function textPieces(text: string, separator: string, budget: number): Piece[] {
  const pieces: Piece[] = [];
  const runs = text.split(separator);
  runs.forEach((run, index) => {
    const withSeparator = index < runs.length - 1 ? run + separator : run;
    if (!withSeparator) return;
    const html = escapeHtml(withSeparator);
    const bytes = byteLength(html);
    if (bytes <= Math.max(budget, 1)) {
      pieces.push({ html, bytes });
      return;
    }
    for (const char of withSeparator) {
      const escaped = escapeHtml(char);
      pieces.push({ html: escaped, bytes: byteLength(escaped) });
    }
  });
  return pieces;
}

/** An element's HTML, written with an explicit stack (the parser's own toString recurses). */
function serialize(root: HTMLElement): string {
  const out: string[] = [];
  const stack: Array<Node | string> = [root];
  while (stack.length > 0) {
    const item = stack.pop() as Node | string;
    if (typeof item === 'string') out.push(item);
    else if (item instanceof TextNode) out.push(item.rawText);
    else if (item instanceof HTMLElement) {
      out.push(`<${item.rawTagName}${item.rawAttrs ? ` ${item.rawAttrs}` : ''}>`);
      if (VOID.has(tagName(item))) continue;
      stack.push(`</${item.rawTagName}>`);
      for (let i = item.childNodes.length - 1; i >= 0; i--) stack.push(item.childNodes[i] as Node);
    }
  }
  return out.join('');
}

/** The entries of `byId` that the body refers to, in the order of `mentions[]`. */
function mentionsOf(root: HTMLElement, byId: Map<string, TeamsMention>): TeamsMention[] {
  const present = new Set<string>();
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as Node;
    if (!(node instanceof HTMLElement)) continue;
    if (tagName(node) === 'at') present.add(node.getAttribute('id') ?? '');
    for (const child of node.childNodes) stack.push(child);
  }
  return [...byId.entries()].filter(([id]) => present.has(id)).map(([, mention]) => mention);
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

// Teams HTML to Slack mrkdwn. The body is parsed by node-html-parser and walked once with an explicit stack (no
// recursion, so 10,000 nested elements are as fine as 10). Everything that is text in Teams is escaped for Slack,
// so only the elements below can produce Slack syntax; nothing typed can become a mention, link or broadcast.
import { unicodeToShortcode, emojiAt } from './emoji';
import { escapeSlack, isSafeUrl } from './escape';
import { HIDDEN_ELEMENTS, HTMLElement, type Node, parseTeamsHtml, tagName, TextNode } from './html';
import type { TeamsMention, TeamsToSlackContext, TeamsToSlackResult } from './types';

const MARKS: Record<string, string> = { b: '*', strong: '*', i: '_', em: '_', s: '~', strike: '~', del: '~' };
const BLOCKS = new Set([
  'p', 'div', 'section', 'article', 'header', 'footer', 'table', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'blockquote', 'ul', 'ol', 'li', 'pre', 'codeblock',
]);
const BULLETS = ['•', '◦', '▪'];
const INDENT = '    ';
/** Past this depth lists stop indenting further: the indentation would otherwise grow with depth on every line. */
const MAX_LIST_INDENT = 8;

interface Mark {
  char: string;
  /** whether its opening character is already in the output (openers wait for content, so `<b> </b>` adds nothing) */
  written: boolean;
  /** an inner `<b>` inside a `<b>` writes nothing: Slack cannot nest a style in itself */
  silent: boolean;
}

/** Text being collected instead of written: a link's label, inline code, or a code block. */
interface Capture {
  kind: 'link' | 'code' | 'pre';
  text: string;
  href?: string;
}

class SlackWriter {
  private out = '';
  private atLineStart = true;
  private pendingSpace = false;
  private pendingNewline = false;
  /** the line holds only a list bullet so far: a block inside the item continues on it */
  private prefixOnly = false;
  /** how many pieces of content were written; a paragraph that adds none but a non-breaking space is a blank line */
  written = 0;
  /** how many text nodes held a non-breaking space (Teams writes a blank line as <p>&nbsp;</p>) */
  nbsp = 0;
  /** every open style element, innermost last */
  private readonly marks: Mark[] = [];
  /**
   * the open marks that write anything (not silent), innermost last: at most one per style, so the per-content and
   * per-line work stays constant however deep the elements nest
   */
  private active: Mark[] = [];
  private readonly captures: Capture[] = [];
  readonly lists: Array<{ ordered: boolean; count: number }> = [];
  quoteDepth = 0;

  get capturing(): Capture | undefined {
    return this.captures[this.captures.length - 1];
  }

  /** Text from the HTML: whitespace collapses as a browser collapses it; unicode emoji become Slack shortcodes. */
  text(raw: string): void {
    const capture = this.capturing;
    if (capture?.kind === 'pre') {
      capture.text += raw;
      return;
    }
    if (raw.includes('\u00a0')) this.nbsp++;
    const collapsed = raw.replace(/[ \t\n\r\f]+/g, ' ').replace(/\u00a0/g, ' ');
    if (capture) {
      capture.text += collapsed;
      return;
    }
    let word = '';
    for (let i = 0; i < collapsed.length; i++) {
      const c = collapsed[i] as string;
      if (c === ' ') {
        this.word(word);
        word = '';
        this.space();
        continue;
      }
      const emoji = emojiAt(collapsed, i);
      const name = emoji === undefined ? undefined : unicodeToShortcode(emoji);
      if (emoji !== undefined && name !== undefined) {
        this.word(word);
        word = '';
        this.content(`:${name}:`);
        i += emoji.length - 1;
        continue;
      }
      word += c;
    }
    this.word(word);
  }

  private word(word: string): void {
    if (word) this.content(escapeSlack(word), word);
  }

  space(): void {
    if (!this.atLineStart) this.pendingSpace = true;
  }

  /**
   * Writes Slack text that is already escaped (or is Slack syntax this converter chose to produce). Inside a capture
   * the unescaped `plain` form is kept instead: the capture escapes its text once, when it ends.
   */
  content(slack: string, plain: string = slack): void {
    const capture = this.capturing;
    if (capture) {
      capture.text += plain;
      return;
    }
    this.written++;
    this.prefixOnly = false;
    if (this.pendingNewline) this.newline();
    if (this.atLineStart) {
      if (this.quoteDepth > 0) this.out += '> ';
      this.atLineStart = false;
    } else if (this.pendingSpace) {
      this.out += ' ';
    }
    this.pendingSpace = false;
    for (const mark of this.active) {
      if (!mark.written && !mark.silent) {
        this.out += mark.char;
        mark.written = true;
      }
    }
    this.out += slack;
  }

  /** Ends the line. Slack styles cannot span lines, so open ones are closed here and reopened on the next content. */
  newline(): void {
    this.closeMarks();
    if (this.atLineStart && this.quoteDepth > 0) this.out += '>';
    this.out += '\n';
    this.atLineStart = true;
    this.pendingSpace = false;
    this.pendingNewline = false;
  }

  private closeMarks(): void {
    for (let i = this.active.length - 1; i >= 0; i--) {
      const mark = this.active[i] as Mark;
      if (mark.written) {
        this.out += mark.char;
        mark.written = false;
      }
    }
  }

  /** A block starts on its own line (a list item's first block stays on the bullet's line). */
  startBlock(): void {
    if (this.pendingNewline || (!this.atLineStart && !this.prefixOnly)) this.newline();
  }

  /** An empty paragraph is how Teams writes a blank line. */
  blankLine(): void {
    this.startBlock();
    this.newline();
  }

  /** What follows a block starts on a new line, written only when something follows. */
  endBlock(): void {
    if (!this.atLineStart) this.pendingNewline = true;
  }

  /** Begins a list item: its bullet or number, indented by the list's depth. */
  listItem(): void {
    this.startBlock();
    const list = this.lists[this.lists.length - 1];
    if (!list) return;
    list.count++;
    const depth = Math.min(this.lists.length - 1, MAX_LIST_INDENT);
    const marker = list.ordered ? `${list.count}.` : (BULLETS[depth % BULLETS.length] as string);
    // Written with the line's quote prefix but before any style, so `*` never lands in front of the bullet.
    const active = this.active;
    this.active = [];
    this.content(`${INDENT.repeat(depth)}${marker} `);
    this.active = active;
    this.pendingSpace = false;
    this.prefixOnly = true;
  }

  /** Table cells of a row share its line, separated like Slack users write them. */
  cell(): void {
    if (!this.atLineStart && !this.pendingNewline) {
      this.pendingSpace = true;
      this.content('|');
      this.pendingSpace = true;
    } else this.space();
  }

  openMark(char: string): void {
    const mark = { char, written: false, silent: this.active.some((open) => open.char === char) };
    this.marks.push(mark);
    if (!mark.silent) this.active.push(mark);
  }

  closeMark(): void {
    const mark = this.marks.pop();
    if (mark && !mark.silent) this.active.pop();
    if (mark?.written) this.out += mark.char;
  }

  startCapture(capture: Capture): void {
    this.captures.push(capture);
  }

  endCapture(): Capture | undefined {
    return this.captures.pop();
  }

  result(): string {
    this.closeMarks();
    return this.out;
  }
}

interface Frame {
  node: Node;
  exit: boolean;
  /** writer.written and writer.nbsp when the element was entered */
  writtenBefore?: number;
  nbspBefore?: number;
}

/**
 * Converts a Teams message body (HTML) to Slack mrkdwn. `mentions` is the message's Graph `mentions[]`; each
 * `<at id>` becomes `<@U…>` when `ctx` finds the person's Slack account, else `@Name` as text. Attachments are
 * reported by id for the caller to carry; unknown elements contribute their text.
 */
export function teamsToSlack(html: string, mentions: readonly TeamsMention[], ctx: TeamsToSlackContext): TeamsToSlackResult {
  const writer = new SlackWriter();
  const mentionById = new Map(mentions.map((mention) => [String(mention.id), mention]));
  const unresolved = new Set<string>();
  const attachments: string[] = [];
  const stack: Frame[] = [{ node: parseTeamsHtml(html), exit: false }];

  while (stack.length > 0) {
    const { node, exit, writtenBefore, nbspBefore } = stack.pop() as Frame;
    if (node instanceof TextNode) {
      writer.text(node.text);
      continue;
    }
    if (!(node instanceof HTMLElement)) continue;
    const tag = tagName(node);
    if (exit) {
      leave(writer, tag, writer.written === writtenBefore && writer.nbsp !== nbspBefore);
      continue;
    }
    if (HIDDEN_ELEMENTS.has(tag)) continue;
    if (tag === 'at') {
      mention(writer, node, mentionById, ctx, unresolved);
      continue;
    }
    if (tag === 'emoji') {
      const alt = node.getAttribute('alt') ?? node.text;
      const name = unicodeToShortcode(alt);
      writer.content(name === undefined ? escapeSlack(alt) : `:${name}:`, alt);
      continue;
    }
    if (tag === 'attachment') {
      const id = node.getAttribute('id');
      if (id) attachments.push(id);
      continue;
    }
    if (tag === 'br') {
      if (writer.capturing?.kind === 'pre') writer.text('\n');
      else if (writer.capturing) writer.text(' ');
      else writer.newline();
      continue;
    }
    if (tag === 'img') {
      const alt = node.getAttribute('alt');
      if (alt) writer.text(alt);
      continue;
    }
    if (enter(writer, node, tag)) stack.push({ node, exit: true, writtenBefore: writer.written, nbspBefore: writer.nbsp });
    for (let i = node.childNodes.length - 1; i >= 0; i--) stack.push({ node: node.childNodes[i] as Node, exit: false });
  }
  return { text: writer.result(), unresolvedMentions: [...unresolved], attachments };
}

/** Starts an element; false when it means nothing where it stands (then it is not left either, only walked). */
function enter(writer: SlackWriter, node: HTMLElement, tag: string): boolean {
  const capture = writer.capturing;
  if (capture?.kind === 'pre' || capture?.kind === 'code') return false;
  if (capture && BLOCKS.has(tag)) {
    writer.text(' ');
    return false;
  }
  if (tag === 'pre' || tag === 'codeblock') {
    writer.startBlock();
    writer.startCapture({ kind: 'pre', text: '' });
    return true;
  }
  if (tag === 'code') writer.startCapture({ kind: 'code', text: '' });
  else if (tag === 'a') writer.startCapture({ kind: 'link', text: '', href: node.getAttribute('href') ?? '' });
  else if (tag in MARKS) writer.openMark(MARKS[tag] as string);
  else if (tag === 'blockquote') {
    writer.startBlock();
    writer.quoteDepth++;
  } else if (tag === 'ul' || tag === 'ol') {
    writer.startBlock();
    writer.lists.push({ ordered: tag === 'ol', count: 0 });
  } else if (tag === 'li') writer.listItem();
  else if (tag === 'td' || tag === 'th') writer.cell();
  else if (BLOCKS.has(tag)) writer.startBlock();
  if (/^h[1-6]$/.test(tag)) writer.openMark('*');
  return true;
}

/** `blank`: the element wrote nothing but held a non-breaking space. */
function leave(writer: SlackWriter, tag: string, blank: boolean): void {
  const capture = writer.capturing;
  if (tag === 'pre' || tag === 'codeblock') {
    writer.endCapture();
    // A browser drops the newline right after <pre>; the fence lines stand in for the first and last line breaks.
    let code = capture?.text ?? '';
    if (code.startsWith('\n')) code = code.slice(1);
    if (code.endsWith('\n')) code = code.slice(0, -1);
    writer.content(`\`\`\`\n${escapeSlack(code)}\n\`\`\``);
    writer.endBlock();
    return;
  }
  if (tag === 'code') {
    writer.endCapture();
    const code = (capture?.text ?? '').trim();
    if (code) writer.content(`\`${escapeSlack(code)}\``, `\`${code}\``);
  } else if (tag === 'a') {
    writer.endCapture();
    link(writer, capture?.href ?? '', (capture?.text ?? '').trim());
  } else if (tag in MARKS) writer.closeMark();
  else if (tag === 'blockquote') {
    writer.quoteDepth--;
    writer.endBlock();
  } else if (tag === 'ul' || tag === 'ol') {
    writer.lists.pop();
    writer.endBlock();
  } else if ((tag === 'p' || tag === 'div') && blank) {
    writer.blankLine();
  } else if (BLOCKS.has(tag)) {
    if (/^h[1-6]$/.test(tag)) writer.closeMark();
    writer.endBlock();
  }
}

/** A link keeps its target only for web and mail addresses; Slack's `<…>` syntax characters in it are encoded. */
function link(writer: SlackWriter, href: string, label: string): void {
  const plainLabel = label || href;
  if (!isSafeUrl(href)) {
    if (plainLabel) writer.content(escapeSlack(plainLabel), plainLabel);
    return;
  }
  const url = href.trim().replace(/[<>| ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/&/g, '&amp;');
  writer.content(label && label !== href ? `<${url}|${escapeSlack(label)}>` : `<${url}>`, plainLabel);
}

function mention(
  writer: SlackWriter,
  node: HTMLElement,
  mentionById: Map<string, TeamsMention>,
  ctx: TeamsToSlackContext,
  unresolved: Set<string>,
): void {
  const shown = node.text.trim();
  const entry = mentionById.get(node.getAttribute('id') ?? '');
  const userId = entry?.mentioned.user?.id;
  const person = userId ? ctx.resolveTeamsUser(userId) : undefined;
  if (userId && person?.slackUserId && !writer.capturing) {
    writer.content(`<@${person.slackUserId}>`);
    return;
  }
  // Channels, teams and tags have no Slack counterpart: like people without a Slack account, they become text.
  if (entry?.mentioned.user) unresolved.add(userId ?? shown);
  const name = person?.displayName ?? (shown || entry?.mentionText || '');
  const shownName = name.startsWith('@') ? name : `@${name}`;
  writer.content(escapeSlack(shownName), shownName);
}

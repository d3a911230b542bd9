import { readFileSync } from 'node:fs';
import path from 'node:path';

/** A link found in a Markdown file: where it is and what it points at, as written. */
export interface MarkdownLink {
  readonly line: number;
  readonly target: string;
}

/** A relative link that does not resolve on a fresh clone. */
export interface BrokenLink {
  readonly file: string;
  readonly line: number;
  readonly target: string;
  readonly reason: string;
}

const FENCE = /^\s{0,3}(`{3,}|~{3,})/;

/** The file's lines with fenced code blocks and inline code emptied (their text is no link), line numbers kept. */
function proseLines(text: string): string[] {
  let fence: string | undefined;
  return text.split('\n').map((line) => {
    const opening = FENCE.exec(line)?.[1];
    if (fence) {
      if (opening && opening[0] === fence[0] && opening.length >= fence.length) fence = undefined;
      return '';
    }
    if (opening) {
      fence = opening;
      return '';
    }
    return line.replace(/(`+)[^`]*?\1/g, (code) => ' '.repeat(code.length));
  });
}

const INLINE_LINK = /!?\[[^\]]*\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+("[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g;
const REFERENCE_DEFINITION = /^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/;
const HTML_LINK = /<(?:a|img)\s[^>]*?(?:href|src)\s*=\s*["']([^"']+)["']/gi;

/** Every link target in a Markdown text: inline links and images, reference definitions, HTML `href`/`src`. */
export function markdownLinks(text: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  proseLines(text).forEach((line, index) => {
    const add = (target: string) => links.push({ line: index + 1, target: target.replace(/^<|>$/g, '') });
    for (const match of line.matchAll(INLINE_LINK)) add(match[1] as string);
    const definition = REFERENCE_DEFINITION.exec(line);
    if (definition) add(definition[1] as string);
    for (const match of line.matchAll(HTML_LINK)) add(match[1] as string);
  });
  return links;
}

/**
 * Repository paths written as inline code (`libs/cache/README.md`, `docs/adr/`): this repository's docs name files
 * that way as often as they link them. Only spans that are nothing but a path under a top-level folder of the
 * repository count; patterns (`libs/<service>/feature`, `schema/*.json`, `{slack,graph}`) are not paths.
 */
export function codePaths(text: string, topLevelFolders: ReadonlySet<string>): MarkdownLink[] {
  const paths: MarkdownLink[] = [];
  let fence: string | undefined;
  text.split('\n').forEach((line, index) => {
    const opening = FENCE.exec(line)?.[1];
    if (fence) {
      if (opening && opening[0] === fence[0] && opening.length >= fence.length) fence = undefined;
      return;
    }
    if (opening) {
      fence = opening;
      return;
    }
    for (const match of line.matchAll(/(`+)([^`]+?)\1/g)) {
      const span = (match[2] as string).trim();
      if (/^[\w.@-]+\/[\w./@-]*$/.test(span) && topLevelFolders.has(span.split('/')[0] as string)) paths.push({ line: index + 1, target: `/${span}` });
    }
  });
  return paths;
}

/** A link to another site or scheme (https:, mailto:, //host): not this check's business. */
export function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');
}

/**
 * The anchors GitHub gives a Markdown file's headings: the heading's text without formatting, lower-cased, with
 * everything but letters, digits, spaces, `-` and `_` dropped and spaces made `-`; a repeated one gets `-1`, `-2`...
 * Explicit `<a name>` / `id` anchors count too.
 */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const opening = FENCE.exec(line)?.[1];
    if (fence) {
      if (opening && opening[0] === fence[0] && opening.length >= fence.length) fence = undefined;
      continue;
    }
    if (opening) {
      fence = opening;
      continue;
    }
    for (const match of line.matchAll(/<a\s[^>]*?(?:name|id)\s*=\s*["']([^"']+)["']/gi)) anchors.add(match[1] as string);
    const heading = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (!heading) continue;
    const base = slug(heading[1] as string);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

function slug(heading: string): string {
  const plain = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link's text, not its target
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/[`*~]/g, '');
  return plain
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/**
 * Every relative link of the given Markdown files that does not resolve among the tracked files: the file or folder
 * must be tracked (a fresh clone has nothing else), and an anchor into a Markdown file must name one of its headings.
 * A leading `/` means the repository root, as on GitHub. Repository paths written as inline code must exist too.
 */
export function brokenLinks(root: string, trackedFiles: readonly string[]): BrokenLink[] {
  const tracked = new Set(trackedFiles);
  const folders = new Set(trackedFiles.flatMap((file) => ancestors(file)));
  const anchorsOf = new Map<string, Set<string>>();
  const anchors = (file: string) => {
    let found = anchorsOf.get(file);
    if (!found) anchorsOf.set(file, (found = headingAnchors(readFileSync(path.join(root, file), 'utf8'))));
    return found;
  };
  const topLevelFolders = new Set([...folders].filter((folder) => !folder.includes('/')));
  const broken: BrokenLink[] = [];
  for (const file of trackedFiles.filter((f) => f.toLowerCase().endsWith('.md'))) {
    const text = readFileSync(path.join(root, file), 'utf8');
    for (const link of [...markdownLinks(text), ...codePaths(text, topLevelFolders)]) {
      if (isExternal(link.target)) continue;
      const hash = link.target.indexOf('#');
      const rawPath = hash === -1 ? link.target : link.target.slice(0, hash);
      const anchor = hash === -1 ? undefined : decode(link.target.slice(hash + 1));
      const relative = decode(rawPath.split('?')[0] as string);
      const resolved = relative === '' ? file : path.posix.normalize(relative.startsWith('/') ? relative.slice(1) : path.posix.join(path.posix.dirname(file), relative)).replace(/\/$/, '');
      const report = (reason: string) => broken.push({ file, line: link.line, target: link.target, reason });
      if (resolved.startsWith('..')) {
        report('points outside the repository');
      } else if (!tracked.has(resolved) && !folders.has(resolved) && resolved !== '.') {
        report(`${resolved} is not a tracked file or folder`);
      } else if (anchor && tracked.has(resolved) && resolved.toLowerCase().endsWith('.md') && !anchors(resolved).has(anchor.toLowerCase())) {
        report(`${resolved} has no heading with the anchor #${anchor}`);
      }
    }
  }
  return broken;
}

function ancestors(file: string): string[] {
  const out: string[] = [];
  for (let dir = path.posix.dirname(file); dir !== '.'; dir = path.posix.dirname(dir)) out.push(dir);
  return out;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

import type { SharedFile } from '@parley/contracts';
import { escapeHtml, escapeSlack, isSafeUrl, SLACK_TEXT_LIMIT, TEAMS_HTML_LIMIT_BYTES } from '@parley/relay-formatting';
import type { Platform } from './people';
import type { TargetBody } from './translation';

/** What the organization and the relay allow (ADR 0039). */
export interface FilePolicy {
  /** The organization's switch: off, no file is carried (each is named in the note). */
  readonly fileRelay: boolean;
  /** The largest file the relay carries; larger ones are named with a link instead. */
  readonly maxBytes: number;
}

export interface LeftBehind {
  readonly file: SharedFile;
  readonly reason: string;
}

export interface FileChoice {
  readonly carried: readonly SharedFile[];
  readonly left: readonly LeftBehind[];
}

/** Which of a message's files go across, and why each of the others does not. */
export function chooseFiles(files: readonly SharedFile[], policy: FilePolicy): FileChoice {
  const carried: SharedFile[] = [];
  const left: LeftBehind[] = [];
  for (const file of files) {
    if (!policy.fileRelay) left.push({ file, reason: 'file relay is turned off for this organization' });
    else if (file.sizeBytes > policy.maxBytes) left.push({ file, reason: `too large to carry (${size(file.sizeBytes)}; the limit is ${size(policy.maxBytes)})` });
    else carried.push(file);
  }
  return { carried, left };
}

/**
 * The note that tells the reader which files did not come across, in the target's format, each file's name escaped
 * (a name is typed by a person: it must not become markup or a mention) and its link kept only when it is http(s).
 */
export function leftBehindNote(left: readonly LeftBehind[], target: Platform): TargetBody | null {
  if (left.length === 0) return null;
  const source = target === 'teams' ? 'Slack' : 'Teams';
  if (target === 'slack') {
    const lines = left.map(({ file, reason }) => {
      const link = file.permalink && isSafeUrl(file.permalink) ? ` <${file.permalink.replace(/[|>]/g, encodeURIComponent)}|open it on ${source}>` : '';
      return `_${escapeSlack(file.name)} was not carried: ${escapeSlack(reason)}_${link}`;
    });
    return { format: 'slack-mrkdwn', content: lines.join('\n') };
  }
  const lines = left.map(({ file, reason }) => {
    const link = file.permalink && isSafeUrl(file.permalink) ? ` <a href="${escapeHtml(file.permalink)}">open it on ${source}</a>` : '';
    return `<p><em>${escapeHtml(file.name)} was not carried: ${escapeHtml(reason)}</em>${link}</p>`;
  });
  return { format: 'teams-html', content: lines.join('') };
}

/** The parts with the note added: to the last part when it still fits one post there, else as a part of its own. */
export function withNote(parts: readonly TargetBody[], note: TargetBody | null): TargetBody[] {
  if (!note) return [...parts];
  const last = parts[parts.length - 1];
  if (!last) return [note];
  const joined = last.format === 'slack-mrkdwn' ? `${last.content}\n${note.content}` : `${last.content}${note.content}`;
  const fits = last.format === 'slack-mrkdwn' ? joined.length <= SLACK_TEXT_LIMIT : Buffer.byteLength(joined, 'utf8') <= TEAMS_HTML_LIMIT_BYTES;
  return fits ? [...parts.slice(0, -1), { ...last, content: joined }] : [...parts, note];
}

function size(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

import { escapeHtml, SLACK_TEXT_LIMIT, TEAMS_HTML_LIMIT_BYTES } from '@parley/relay-formatting';
import type { TargetBody } from './translation';

/**
 * How much earlier than the latest message already sent to a conversation a message must have been written for it to
 * say when: its platform sent it late (a retry after downtime, a notification found by catch-up), and a reader on the
 * other side would otherwise take it for the newest (ADR 0045). Below this, two messages written together.
 */
export const LATE_AFTER_MS = 2_000;

/** Whether a message written at `writtenAt` goes out after one written more than LATE_AFTER_MS later. */
export function arrivesLate(writtenAt: Date | null, latestSent: Date | null): boolean {
  return writtenAt !== null && latestSent !== null && latestSent.getTime() - writtenAt.getTime() > LATE_AFTER_MS;
}

/**
 * The written time a body goes out saying it came late with, or null: a create written more than LATE_AFTER_MS
 * before the latest message already sent to its lane, or an edit of a create that said so (the edit replaces the
 * whole text over there).
 */
export function lateMark(change: 'create' | 'edit' | 'delete', writtenAt: Date | null, latestSent: Date | null, originalMarkedAt: Date | null): Date | null {
  if (change === 'create') return arrivesLate(writtenAt, latestSent) ? writtenAt : null;
  return change === 'edit' ? originalMarkedAt : null;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "10:32 UTC on 5 Dec 2026": readable in any locale, with no time zone guessed for the reader. */
export function utcStamp(at: Date): string {
  const hh = String(at.getUTCHours()).padStart(2, '0');
  const mm = String(at.getUTCMinutes()).padStart(2, '0');
  return `${hh}:${mm} UTC on ${at.getUTCDate()} ${MONTHS[at.getUTCMonth()]} ${at.getUTCFullYear()}`;
}

/**
 * The body with a first line saying when the message was written and that it comes late. On Slack a date token,
 * which each reader sees in their own time zone (UTC where a client cannot render it); on Teams, UTC. Left as it was
 * when the line would take it past the platform's size limit.
 */
export function withWrittenAt(body: TargetBody, writtenAt: Date): TargetBody {
  const stamp = utcStamp(writtenAt);
  if (body.format === 'slack-mrkdwn') {
    const seconds = Math.floor(writtenAt.getTime() / 1000);
    const content = `_(<!date^${seconds}^written at {time} on {date_short}|written at ${stamp}>, delivered late)_\n${body.content}`;
    return content.length <= SLACK_TEXT_LIMIT ? { ...body, content } : body;
  }
  const content = `<p><em>(written at ${escapeHtml(stamp)}, delivered late)</em></p>${body.content}`;
  return Buffer.byteLength(content, 'utf8') <= TEAMS_HTML_LIMIT_BYTES ? { ...body, content } : body;
}

/** Slack's three control characters in message text; escaping them is all mrkdwn needs to show text as typed. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A notice's text as Slack shows it: the plain text escaped (so `<!channel>`, `<@U…>` or a `<url|label>` typed in it
 * stay text), then the link Parley offers, built here from a URL it checked.
 */
export function noticeText(text: string, link?: { url: string; label: string }): string {
  const body = escapeMrkdwn(text);
  if (!link) return body;
  const url = new URL(link.url);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('link.url: expected http(s)');
  // `|` and `>` end the URL part of a Slack link: percent-encode them; `&` is escaped like any text.
  const href = url.href.replace(/\|/g, '%7C').replace(/>/g, '%3E').replace(/</g, '%3C').replace(/&/g, '&amp;');
  const label = escapeMrkdwn(link.label).replace(/\|/g, '¦');
  return `${body}\n<${href}|${label}>`;
}

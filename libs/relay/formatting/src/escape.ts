// The two escaping schemes the converters meet. Slack's is deliberately tiny: in a message's `text`, only `&`, `<` and
// `>` are special, and `<...>` is where every mention, link and broadcast lives. Escaping all three therefore makes
// any string plain text on Slack.

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeSlack(text: string): string {
  return text.replace(/[&<>]/g, (c) => SLACK_ESCAPES[c] as string);
}

const SLACK_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** Slack's own escapes back to characters. Other `&...;` sequences are literal text in Slack and stay as typed. */
export function unescapeSlack(text: string): string {
  return text.replace(/&(amp|lt|gt);/g, (_, name: string) => (name === 'amp' ? '&' : name === 'lt' ? '<' : '>'));
}

/** Schemes a relayed link may carry. Anything else (javascript:, data:, vbscript:, file:) is relayed as text. */
const SAFE_SCHEMES = /^(https?|mailto):/i;

export function isSafeUrl(url: string): boolean {
  return SAFE_SCHEMES.test(url.trim());
}

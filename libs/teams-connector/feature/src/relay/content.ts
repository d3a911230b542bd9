import { createHash } from 'node:crypto';

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

/**
 * The text of a message body as a person reads it: tags dropped (an `<at>` keeps its name, a quote's `<attachment>`
 * disappears), entities decoded, whitespace collapsed. Graph may normalise the HTML it stores; the text survives.
 */
export function readableText(content: string): string {
  return content
    .replace(/<\/?(?:p|div|br|li|ul|ol|blockquote|pre|h\d|tr|td)\b[^>]*>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (whole, name: string) => {
      if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
      if (name.startsWith('#') && name !== '#39') return String.fromCodePoint(Number(name.slice(1)));
      return ENTITIES[name.toLowerCase()] ?? whole;
    })
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * What a post is recognised by when read back: a hash of its readable text, salted with its delivery id so that equal
 * texts give unrelated hashes (the body itself is never stored, and a copy of the table is no dictionary of texts).
 */
export function contentHash(content: string, deliveryId: string): string {
  return createHash('sha256').update(deliveryId).update('\0').update(readableText(content)).digest('base64url').slice(0, 32);
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

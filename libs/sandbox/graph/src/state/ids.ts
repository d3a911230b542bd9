import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** A GUID derived from a name, so seeded objects keep their ids across runs (tests and demos can hard-code them). */
export function stableGuid(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const newGuid = (): string => randomUUID();

/** Teams thread ids: `19:<hex>@thread.v2` for chats, `19:<hex>@thread.tacv2` for channels. */
export const chatThreadId = (): string => `19:${randomBytes(16).toString('hex')}@thread.v2`;
export const channelThreadId = (seed?: string): string =>
  `19:${seed ? createHash('sha256').update(seed).digest('hex').slice(0, 32) : randomBytes(16).toString('hex')}@thread.tacv2`;

let lastMessageId = 0;
/** Message ids are epoch-millisecond strings; bump by one when two messages land in the same millisecond. */
export function messageId(): string {
  lastMessageId = Math.max(Date.now(), lastMessageId + 1);
  return String(lastMessageId);
}

export const opaqueToken = (prefix: string, bytes = 24): string => `${prefix}${randomBytes(bytes).toString('base64url')}`;

import type { GraphApi } from '@parley/teams-connector-graph-access';

export interface ChatInfo {
  readonly chatType: string;
  /** Entra object ids of the chat's members. */
  readonly memberIds: readonly string[];
}

interface Cached {
  readonly info: ChatInfo;
  readonly until: number;
}

/**
 * What the relay needs to know about a chat (its type, its members), read with the app token and kept for a while:
 * members change rarely, and every message of a busy chat would otherwise cost two Teams GETs (20/s per app and
 * tenant). A sender missing from the cached members means the list changed, so it is read again.
 */
export class ChatDirectory {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  async info(app: GraphApi, connectionId: string, chatId: string, mustInclude?: string): Promise<ChatInfo> {
    const key = `${connectionId}|${chatId}`;
    const cached = this.cache.get(key);
    if (cached && cached.until > this.now() && (!mustInclude || cached.info.memberIds.includes(mustInclude))) return cached.info;
    const path = `/chats/${encodeURIComponent(chatId)}`;
    const chat = await app.get<{ chatType?: string }>(path);
    const members = await app.get<{ value?: { userId?: string | null }[] }>(`${path}/members`);
    const info: ChatInfo = {
      chatType: chat.chatType ?? 'unknown',
      memberIds: (members.value ?? []).map((m) => m.userId).filter((id): id is string => typeof id === 'string' && id.length > 0),
    };
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, { info, until: this.now() + this.ttlMs });
    return info;
  }
}

import { parseTeamsChannelConversationId } from '@parley/contracts';
import { GraphRequestError, type GraphAccess } from '@parley/teams-connector-graph-access';
import type { GraphChatMessageResource } from '../relay/chat-message-observer';

/** A chat message as Graph lists it. */
export interface ListedChatMessage extends GraphChatMessageResource {
  readonly id: string;
}

/**
 * The newest messages of a chat written before `before`, newest first: what the notification inbox compares with what
 * Parley has seen before it hands a newer message over (ADR 0047). For a linked channel, its newest top-level messages
 * and the newest replies of each thread in `threads` (root ids).
 */
export type ChatReadBack = (orgId: string, connectionId: string, chatId: string, before: Date, threads?: readonly string[]) => Promise<readonly ListedChatMessage[]>;

/**
 * Messages per read-back page: the gap a dropped notification leaves is one or two messages. A page this full that
 * still shows unseen messages makes the inbox read the page before it (READ_BACK_PAGES), so this is the only page size.
 */
export const READ_BACK_TOP = 10;
/**
 * A channel's page of top-level messages: the most Graph gives (it documents no filter to go back by time), since a
 * busy channel writes more than ten roots while a dropped one waits for the next message to read it back.
 */
export const READ_BACK_CHANNEL_TOP = 50;

/**
 * One GET per read-back, as the app (paced with every other Teams GET of the tenant): "List messages in a chat" with
 * its documented filter, `$orderby=createdDateTime desc` and `createdDateTime lt …` (the only operator it takes).
 * A channel documents neither (its messages and a thread's replies come newest first): one GET of its newest
 * top-level messages (READ_BACK_CHANNEL_TOP), and per thread asked about its newest replies and its root, keeping
 * what was written before `before`.
 */
export function graphChatReadBack(graph: GraphAccess): ChatReadBack {
  return async (orgId, connectionId, chatId, before, threads = []) => {
    const app = (await graph.forConnection(orgId, connectionId)).app('customer');
    const channel = parseTeamsChannelConversationId(chatId);
    if (channel) {
      const base = `/teams/${encodeURIComponent(channel.teamId)}/channels/${encodeURIComponent(channel.channelId)}/messages`;
      const pages = await Promise.all([
        app.get<{ value?: ListedChatMessage[] }>(`${base}?$top=${READ_BACK_CHANNEL_TOP}`),
        ...threads.map((root) => app.get<{ value?: ListedChatMessage[] }>(`${base}/${encodeURIComponent(root)}/replies?$top=${READ_BACK_TOP}`)),
        // The root itself: a reply must not go before its root, which may be older than the page of top-level ones.
        // (A root Graph no longer has is no gap to fill.)
        ...threads.map(async (root) => ({
          value: await app.get<ListedChatMessage>(`${base}/${encodeURIComponent(root)}`).then(
            (m) => [m],
            (error: unknown) => (error instanceof GraphRequestError && error.status === 404 ? [] : Promise.reject(error)),
          ),
        })),
      ]);
      const written = (m: ListedChatMessage) => Date.parse(m.createdDateTime ?? '') || 0;
      return [...new Map(pages.flatMap((page) => page.value ?? []).map((m) => [m.id, m])).values()]
        .filter((m) => written(m) < before.getTime())
        .sort((a, b) => written(b) - written(a) || compareMessageIds(b.id, a.id));
    }
    const query = `$top=${READ_BACK_TOP}&$orderby=${encodeURIComponent('createdDateTime desc')}&$filter=${encodeURIComponent(`createdDateTime lt ${before.toISOString()}`)}`;
    const page = await app.get<{ value?: ListedChatMessage[] }>(`/chats/${encodeURIComponent(chatId)}/messages?${query}`);
    return page.value ?? [];
  };
}

/** Teams message ids are increasing epoch-millisecond strings: the order of two messages written in one millisecond. */
export function compareMessageIds(a: string, b: string): number {
  return a.padStart(24, '0').localeCompare(b.padStart(24, '0'));
}

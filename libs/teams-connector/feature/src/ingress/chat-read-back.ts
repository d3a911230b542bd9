import type { GraphAccess } from '@parley/teams-connector-graph-access';
import type { GraphChatMessageResource } from '../relay/chat-message-observer';

/** A chat message as Graph lists it. */
export interface ListedChatMessage extends GraphChatMessageResource {
  readonly id: string;
}

/**
 * The newest messages of a chat written before `before`, newest first: what the notification inbox compares with what
 * Parley has seen before it hands a newer message over (ADR 0047).
 */
export type ChatReadBack = (orgId: string, connectionId: string, chatId: string, before: Date) => Promise<readonly ListedChatMessage[]>;

/**
 * Messages per read-back page: the gap a dropped notification leaves is one or two messages. A page this full that
 * still shows unseen messages makes the inbox read the page before it (READ_BACK_PAGES), so this is the only page size.
 */
export const READ_BACK_TOP = 10;

/**
 * One GET per read-back, as the app (paced with every other Teams GET of the tenant): "List messages in a chat" with
 * its documented filter, `$orderby=createdDateTime desc` and `createdDateTime lt …` (the only operator it takes).
 */
export function graphChatReadBack(graph: GraphAccess): ChatReadBack {
  return async (orgId, connectionId, chatId, before) => {
    const app = (await graph.forConnection(orgId, connectionId)).app('customer');
    const query = `$top=${READ_BACK_TOP}&$orderby=${encodeURIComponent('createdDateTime desc')}&$filter=${encodeURIComponent(`createdDateTime lt ${before.toISOString()}`)}`;
    const page = await app.get<{ value?: ListedChatMessage[] }>(`/chats/${encodeURIComponent(chatId)}/messages?${query}`);
    return page.value ?? [];
  };
}

import type { WebAPICallResult } from '@slack/web-api';
import type { SlackWebApi } from '@parley/slack-connector-slack-access';

/** The metadata event type on every post Parley makes; its payload carries the delivery (or notice) id. */
export const DELIVERY_METADATA_TYPE = 'parley_delivery';
export const NOTICE_METADATA_TYPE = 'parley_notice';

interface HistoryMessage {
  readonly ts?: string;
  readonly metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

const PAGES = 5;

/**
 * Reads a conversation back (conversations.history, or .replies inside a thread, with include_all_metadata) and
 * answers the ts of the post whose metadata names this id: the post an earlier attempt made when its outcome was
 * unknown. Undefined when there is none, so posting again cannot double it.
 */
export async function findPostById(
  api: SlackWebApi,
  input: { channel: string; eventType: string; idField: string; id: string; threadTs?: string; since?: Date },
): Promise<string | undefined> {
  // A minute of slack before the recorded attempt covers clock skew between us and Slack.
  const oldest = input.since ? String(Math.max(0, Math.floor(input.since.getTime() / 1000) - 60)) : undefined;
  let cursor: string | undefined;
  for (let page = 0; page < PAGES; page++) {
    const args: Record<string, unknown> = { channel: input.channel, include_all_metadata: true, limit: 200, ...(cursor ? { cursor } : {}) };
    const method = input.threadTs ? 'conversations.replies' : 'conversations.history';
    if (input.threadTs) args['ts'] = input.threadTs;
    else if (oldest) args['oldest'] = oldest;
    const answer = await api.call<WebAPICallResult & { messages?: HistoryMessage[] }>(method, args);
    const found = (answer.messages ?? []).find((m) => m.metadata?.event_type === input.eventType && m.metadata.event_payload?.[input.idField] === input.id);
    if (found?.ts) return found.ts;
    cursor = answer.response_metadata?.next_cursor || undefined;
    if (!cursor) return undefined;
  }
  return undefined;
}

import type { Call } from '../http/call';
import type { GraphRequest } from '../http/exchange';
import { badRequest } from '../http/graph-error';
import { decodeSkipToken, encodeSkipToken, topParameter } from '../http/odata';
import type { ChatMessage, MessageContainer } from '../state/model';
import { boxKey } from './message-actions';
import { messageRecord } from './message-view';

type OrderProperty = 'lastModifiedDateTime' | 'createdDateTime';

/** The query a page answers, carried whole in the skip token so every next page answers the same query. */
interface ListQuery {
  readonly top: number;
  /** Where the previous page ended (its last item's sort key): a cursor, so edits between pages shift nothing. */
  readonly cursor: { at: number; id: string } | null;
  readonly orderBy: OrderProperty;
  /** Epoch-ms bounds on orderBy's property, exclusive. */
  readonly after: number | null;
  readonly before: number | null;
}

/**
 * `$orderby` and `$filter` as the v1.0 "List messages in a chat" page documents them: descending order only, by
 * lastModifiedDateTime (the default) or createdDateTime; lastModifiedDateTime takes `gt` and `lt`, createdDateTime
 * only `lt`; and the filter applies only when `$orderby` names the same property, otherwise it is ignored.
 * Channels document neither, so a channel list refuses both.
 */
function parseQuery(request: GraphRequest, chat: boolean): ListQuery {
  const top = topParameter(request.query, 20, 50);
  const rawOrder = request.query.get('$orderby') ?? request.query.get('$orderBy');
  const rawFilter = request.query.get('$filter');
  if (!chat) {
    if (rawOrder !== null || rawFilter !== null) throw badRequest('The query specified in the URI is not valid: $orderby and $filter are not supported on channel messages.');
    return { top, cursor: null, orderBy: 'createdDateTime', after: null, before: null };
  }
  let orderBy: OrderProperty = 'lastModifiedDateTime';
  if (rawOrder !== null) {
    const match = /^\s*(lastModifiedDateTime|createdDateTime)(?:\s+(asc|desc))?\s*$/i.exec(rawOrder);
    if (!match) throw badRequest(`The query specified in the URI is not valid. $orderby supports only lastModifiedDateTime and createdDateTime, got '${rawOrder}'.`);
    if ((match[2] ?? 'asc').toLowerCase() !== 'desc') throw badRequest('The query specified in the URI is not valid. Only descending order is supported for $orderby.');
    orderBy = (match[1] as string).toLowerCase() === 'createddatetime' ? 'createdDateTime' : 'lastModifiedDateTime';
  }
  let after: number | null = null;
  let before: number | null = null;
  if (rawFilter !== null) {
    for (const clause of rawFilter.split(/\s+and\s+/i)) {
      const match = /^\s*(lastModifiedDateTime|createdDateTime)\s+(gt|lt)\s+'?([0-9TZ:.+-]+)'?\s*$/i.exec(clause);
      if (!match) throw badRequest(`Invalid filter clause: '${clause.trim()}'. Only lastModifiedDateTime gt|lt and createdDateTime lt are supported.`);
      const property = (match[1] as string).toLowerCase() === 'createddatetime' ? 'createdDateTime' : 'lastModifiedDateTime';
      const op = (match[2] as string).toLowerCase();
      const at = Date.parse(match[3] as string);
      if (Number.isNaN(at)) throw badRequest(`Invalid DateTimeOffset '${match[3]}' in $filter.`);
      if (property === 'createdDateTime' && op === 'gt') throw badRequest("The createdDateTime property supports only the 'lt' operator in $filter.");
      // Documented: a filter on another property than $orderby's (or without $orderby) is ignored.
      if (rawOrder === null || property !== orderBy) continue;
      if (op === 'gt') after = Math.max(after ?? at, at);
      else before = Math.min(before ?? at, at);
    }
  }
  return { top, cursor: null, orderBy, after, before };
}

/** One page of a container's messages (top-level, or the replies to one), with an absolute https nextLink. */
export function listMessages(call: Call, request: GraphRequest, container: MessageContainer, replyToId: string | null, path: string): Record<string, unknown> {
  const token = request.query.get('$skiptoken');
  const query = token ? decodeSkipToken<ListQuery>(token) : parseQuery(request, container.kind === 'chat' && replyToId === null);
  const at = (m: ChatMessage): number => Date.parse(query.orderBy === 'createdDateTime' ? m.createdDateTime : m.lastModifiedDateTime);
  const box = call.sandbox.store.messages.get(boxKey(container));
  const all = [...(box?.values() ?? [])]
    .filter((m) => m.replyToId === replyToId && (query.after === null || at(m) > query.after) && (query.before === null || at(m) < query.before))
    .filter((m) => !query.cursor || at(m) < query.cursor.at || (at(m) === query.cursor.at && Number(m.id) < Number(query.cursor.id)))
    .sort((a, b) => at(b) - at(a) || Number(b.id) - Number(a.id));
  const slice = all.slice(0, query.top);
  const body: Record<string, unknown> = { value: slice.map((m) => messageRecord(call.sandbox.store, m)) };
  const last = slice.at(-1);
  if (last && all.length > query.top) {
    const next: ListQuery = { ...query, cursor: { at: at(last), id: last.id } };
    body['@odata.nextLink'] = `${path}?$top=${query.top}&$skiptoken=${encodeSkipToken({ ...next })}`;
  }
  return body;
}

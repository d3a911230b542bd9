import type { Conversation, Message, User } from '../model';
import { fail } from '../errors';
import { conversationJson, messageJson } from '../serializers';
import { decodeCursor, encodeCursor, idList, optionalBoolean, optionalInteger, optionalString, requiredString } from './args';
import { findConversation, findUser, scopeFor, type MethodContext, type MethodHandler } from './context';

const NAME_PATTERN = /^[a-z0-9_-]{1,80}$/;

function pageSize(ctx: MethodContext, fallback: number, max: number): number {
  const limit = optionalInteger(ctx.args, 'limit');
  return Math.min(limit && limit > 0 ? limit : fallback, max);
}

function open(ctx: MethodContext): Record<string, unknown> {
  const channelId = optionalString(ctx.args, 'channel');
  if (channelId) {
    const existing = findConversation(ctx, channelId);
    ctx.requireScope(scopeFor(existing, 'write'));
    return { channel: { id: existing.id }, already_open: true };
  }
  const ids = idList(ctx.args, 'users');
  if (ids.length === 0) fail('users_list_not_supplied');
  if (ids.length > 8) fail('too_many_users');
  const users = ids.map((id) => findUser(ctx, id));
  // The caller is always in it (listing themselves changes nothing): two people are a DM, more a group DM.
  const kind = new Set([ctx.caller.id, ...users.map((u) => u.id)]).size <= 2 ? 'im' : 'mpim';
  ctx.requireScope(kind === 'im' ? 'im:write' : 'mpim:write');
  if (users.some((u) => u.deleted)) fail('user_disabled');
  const { conversation, existed } = ctx.store.directConversation(ctx.token.teamId, ctx.caller.id, users.map((u) => u.id));
  const channel = optionalBoolean(ctx.args, 'return_im') ? conversationJson(conversation, ctx.caller.id) : { id: conversation.id };
  return existed ? { no_op: true, already_open: true, channel } : { channel };
}

function create(ctx: MethodContext): Record<string, unknown> {
  const isPrivate = optionalBoolean(ctx.args, 'is_private');
  ctx.requireScope(isPrivate ? 'groups:write' : 'channels:manage');
  const name = requiredString(ctx.args, 'name', 'invalid_name_required');
  if (!NAME_PATTERN.test(name)) fail(name.length > 80 ? 'invalid_name_maxlength' : 'invalid_name_specials');
  if (ctx.store.conversationByName(ctx.token.teamId, name)) fail('name_taken');
  const conversation = ctx.store.addConversation(ctx.token.teamId, isPrivate ? 'private' : 'public', name, ctx.caller.id, []);
  ctx.actions.join(conversation, ctx.caller);
  return { channel: conversationJson(conversation, ctx.caller.id) };
}

function invite(ctx: MethodContext): Record<string, unknown> {
  const conversation = findConversation(ctx, requiredString(ctx.args, 'channel', 'channel_not_found'));
  ctx.requireScope(scopeFor(conversation, 'write'));
  if (conversation.kind === 'im') fail('method_not_supported_for_channel_type');
  if (conversation.archived) fail('is_archived');
  if (!conversation.members.has(ctx.caller.id)) fail('not_in_channel');
  const ids = idList(ctx.args, 'users');
  if (ids.length === 0) fail('no_user');
  if (ids.length > 1000) fail('too_many_users');
  const users = ids.map((id) => findUser(ctx, id));
  if (users.some((u) => u.id === ctx.caller.id)) fail('cant_invite_self');
  if (users.some((u) => u.deleted)) fail('user_is_deactivated');
  const fresh = users.filter((u) => !conversation.members.has(u.id));
  // A single-channel guest is in one channel at most (ura_max_channels). Slack answers a list with several refusals
  // as cant_invite with per-user errors; that form is not modelled.
  const inChannels = (u: User) => [...ctx.store.conversations.values()].some((c) => (c.kind === 'public' || c.kind === 'private') && c.members.has(u.id));
  if (fresh.some((u) => u.isUltraRestricted && inChannels(u))) fail('ura_max_channels');
  if (fresh.length === 0) fail('already_in_channel');
  for (const user of fresh) ctx.actions.join(conversation, user, ctx.caller);
  return { channel: conversationJson(conversation, ctx.caller.id) };
}

function info(ctx: MethodContext): Record<string, unknown> {
  const conversation = findConversation(ctx, requiredString(ctx.args, 'channel', 'channel_not_found'));
  ctx.requireScope(scopeFor(conversation, 'read'));
  return { channel: conversationJson(conversation, ctx.caller.id) };
}

function members(ctx: MethodContext): Record<string, unknown> {
  const conversation = findConversation(ctx, requiredString(ctx.args, 'channel', 'channel_not_found'));
  ctx.requireScope(scopeFor(conversation, 'read'));
  const all = [...conversation.members];
  const offset = decodeCursor('member', optionalString(ctx.args, 'cursor'));
  const size = pageSize(ctx, 100, 1000);
  const next = offset + size < all.length ? encodeCursor('member', offset + size) : '';
  return { members: all.slice(offset, offset + size), response_metadata: { next_cursor: next } };
}

function readable(ctx: MethodContext): Conversation {
  const conversation = findConversation(ctx, requiredString(ctx.args, 'channel', 'channel_not_found'));
  ctx.requireScope(scopeFor(conversation, 'history'));
  if (!conversation.members.has(ctx.caller.id)) fail('not_in_channel');
  return conversation;
}

function inRange(ctx: MethodContext, m: Message): boolean {
  const oldest = optionalString(ctx.args, 'oldest');
  const latest = optionalString(ctx.args, 'latest');
  const inclusive = optionalBoolean(ctx.args, 'inclusive');
  if (oldest && (inclusive ? Number(m.ts) < Number(oldest) : Number(m.ts) <= Number(oldest))) return false;
  if (latest && (inclusive ? Number(m.ts) > Number(latest) : Number(m.ts) >= Number(latest))) return false;
  return true;
}

/** Page size for history/replies: 15 at most (and by default) for non-Marketplace commercial apps. */
function historyPage(ctx: MethodContext, fallback: number, max: number): number {
  return ctx.app?.distribution === 'non-marketplace' ? pageSize(ctx, 15, 15) : pageSize(ctx, fallback, max);
}

function history(ctx: MethodContext): Record<string, unknown> {
  const conversation = readable(ctx);
  // Top-level messages and broadcast replies, newest first.
  const all = conversation.messages.filter((m) => (!m.threadTs || m.threadTs === m.ts || m.replyBroadcast) && inRange(ctx, m)).reverse();
  const offset = decodeCursor('history', optionalString(ctx.args, 'cursor'));
  const size = historyPage(ctx, 100, 999);
  const hasMore = offset + size < all.length;
  const withMetadata = optionalBoolean(ctx.args, 'include_all_metadata');
  return { messages: all.slice(offset, offset + size).map((m) => messageJson(m, withMetadata, ctx.store)), has_more: hasMore, pin_count: 0, response_metadata: { next_cursor: hasMore ? encodeCursor('history', offset + size) : '' } };
}

function replies(ctx: MethodContext): Record<string, unknown> {
  const conversation = readable(ctx);
  const ts = requiredString(ctx.args, 'ts', 'thread_not_found');
  const parent = conversation.byTs.get(ts);
  if (!parent) fail('thread_not_found');
  const root = parent.threadTs && parent.threadTs !== parent.ts ? conversation.byTs.get(parent.threadTs) ?? parent : parent;
  const all = [root, ...conversation.messages.filter((m) => m.threadTs === root.ts && m.ts !== root.ts && inRange(ctx, m))];
  const offset = decodeCursor('replies', optionalString(ctx.args, 'cursor'));
  const size = historyPage(ctx, 1000, 1000);
  const hasMore = offset + size < all.length;
  const withMetadata = optionalBoolean(ctx.args, 'include_all_metadata');
  return { messages: all.slice(offset, offset + size).map((m) => messageJson(m, withMetadata, ctx.store)), has_more: hasMore, response_metadata: { next_cursor: hasMore ? encodeCursor('replies', offset + size) : '' } };
}

function join(ctx: MethodContext): Record<string, unknown> {
  ctx.requireScope('channels:join');
  const conversation = findConversation(ctx, requiredString(ctx.args, 'channel', 'channel_not_found'));
  // Private channels are joined only by invitation (conversations.invite by a member).
  if (conversation.kind !== 'public') fail('method_not_supported_for_channel_type');
  if (conversation.archived) fail('is_archived');
  // Already a member: ok, with Slack's warning rather than an error.
  if (conversation.members.has(ctx.caller.id)) {
    return { channel: conversationJson(conversation, ctx.caller.id), warning: 'already_in_channel', response_metadata: { warnings: ['already_in_channel'] } };
  }
  ctx.actions.join(conversation, ctx.caller);
  return { channel: conversationJson(conversation, ctx.caller.id) };
}

/** conversations.archive (Tier 2): members archive channels; DMs and group DMs cannot be archived, nor #general. */
function archive(ctx: MethodContext): Record<string, unknown> {
  const conversation = findConversation(ctx, requiredString(ctx.args, 'channel', 'channel_not_found'));
  ctx.requireScope(scopeFor(conversation, 'write'));
  if (conversation.kind === 'im' || conversation.kind === 'mpim') fail('method_not_supported_for_channel_type');
  if (conversation.archived) fail('already_archived');
  if (conversation.isGeneral) fail('cant_archive_general');
  if (!conversation.members.has(ctx.caller.id)) fail('not_in_channel');
  ctx.actions.archive(conversation, ctx.caller);
  return {};
}

export const conversationsMethods: Record<string, MethodHandler> = {
  'conversations.open': open,
  'conversations.create': create,
  'conversations.invite': invite,
  'conversations.info': info,
  'conversations.members': members,
  'conversations.history': history,
  'conversations.replies': replies,
  'conversations.join': join,
  'conversations.archive': archive,
};

import type { Conversation, Message, MessageMetadata } from '../model';
import { fail } from '../errors';
import { messageJson } from '../serializers';
import { optionalBoolean, optionalJsonArray, optionalString, requiredString } from './args';
import { findConversation, findUser, type MethodContext, type MethodHandler } from './context';

const MAX_TEXT = 40_000;
const MAX_BLOCKS = 50;

/** A user id as `channel` means the app's DM with that person, opened on demand as Slack does. */
function target(ctx: MethodContext, channel: string): Conversation {
  if (/^[UW][A-Z0-9]+$/.test(channel)) {
    const user = findUser(ctx, channel);
    return ctx.store.directConversation(ctx.token.teamId, ctx.caller.id, [user.id]).conversation;
  }
  return findConversation(ctx, channel);
}

function content(ctx: MethodContext): { text: string; blocks?: unknown[] } {
  const text = optionalString(ctx.args, 'text') ?? '';
  const blocks = optionalJsonArray(ctx.args, 'blocks', 'invalid_blocks');
  const attachments = optionalJsonArray(ctx.args, 'attachments', 'invalid_attachments');
  if (!text && !blocks?.length && !attachments?.length) fail('no_text');
  if (text.length > MAX_TEXT) fail('msg_too_long');
  if (blocks && (blocks.length > MAX_BLOCKS || blocks.some((b) => typeof b !== 'object' || b === null || typeof (b as { type?: unknown }).type !== 'string'))) fail('invalid_blocks');
  return { text, blocks };
}

/**
 * `metadata` ({event_type, event_payload}): a JSON string in form bodies, an object in JSON bodies. Errors as Slack
 * names them; the exact validation rules beyond "event_type string, event_payload object" are unverified.
 */
function metadata(ctx: MethodContext): MessageMetadata | undefined {
  let value = ctx.args['metadata'];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return fail('invalid_metadata_format');
    }
  }
  const { event_type: eventType, event_payload: payload } = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (typeof eventType !== 'string' || !/^[A-Za-z0-9_]+$/.test(eventType) || typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return fail('invalid_metadata_schema');
  }
  return { event_type: eventType, event_payload: structuredClone(payload as Record<string, unknown>) };
}

function postMessage(ctx: MethodContext): Record<string, unknown> {
  ctx.requireScope('chat:write');
  const conversation = target(ctx, requiredString(ctx.args, 'channel', 'channel_not_found'));
  if (!conversation.members.has(ctx.caller.id)) {
    // Public channels accept posts from non-members only with chat:write.public.
    if (conversation.kind !== 'public' || !ctx.hasScope('chat:write.public')) fail('not_in_channel');
  }
  if (conversation.archived) fail('is_archived');
  const { text, blocks } = content(ctx);
  // username / icon_url need chat:write.customize, a bot scope: with a user token, or without the scope, Slack
  // ignores them rather than failing. A user token posts as its person: no bot_id, no subtype.
  const customize = ctx.token.kind === 'bot' && ctx.hasScope('chat:write.customize');
  const message = ctx.actions.post(conversation, ctx.caller, {
    metadata: metadata(ctx),
    text,
    blocks,
    threadTs: optionalString(ctx.args, 'thread_ts'),
    replyBroadcast: optionalBoolean(ctx.args, 'reply_broadcast'),
    app: ctx.token.kind === 'bot' ? ctx.app : undefined,
    username: customize ? optionalString(ctx.args, 'username') : undefined,
    iconUrl: customize ? optionalString(ctx.args, 'icon_url') : undefined,
  });
  return { channel: conversation.id, ts: message.ts, message: { ...messageJson(message), team: conversation.teamId } };
}

function ownMessage(ctx: MethodContext, cantError: string): { conversation: Conversation; message: Message } {
  const conversation = findConversation(ctx, requiredString(ctx.args, 'channel', 'channel_not_found'));
  const ts = requiredString(ctx.args, 'ts', 'message_not_found');
  const message = conversation.byTs.get(ts);
  if (!message) fail('message_not_found');
  // A bot token changes only its app's own posts (username / icon_url posts included); a user token only its
  // person's own messages, as in Slack's UI for a member (admins deleting others' messages is not modelled).
  const own = ctx.token.kind === 'bot' ? message.botId !== undefined && message.botId === ctx.app?.botId : message.botId === undefined && message.user === ctx.caller.id;
  if (!own) fail(cantError);
  return { conversation, message };
}

function update(ctx: MethodContext): Record<string, unknown> {
  ctx.requireScope('chat:write');
  const { conversation, message } = ownMessage(ctx, 'cant_update_message');
  const { text, blocks } = content(ctx);
  ctx.actions.edit(conversation, message, ctx.caller, text, blocks);
  return { channel: conversation.id, ts: message.ts, text: message.text, message: messageJson(message) };
}

function remove(ctx: MethodContext): Record<string, unknown> {
  ctx.requireScope('chat:write');
  const { conversation, message } = ownMessage(ctx, 'cant_delete_message');
  ctx.actions.delete(conversation, message);
  return { channel: conversation.id, ts: message.ts };
}

function reaction(ctx: MethodContext, add: boolean): Record<string, unknown> {
  ctx.requireScope('reactions:write');
  const conversation = findConversation(ctx, requiredString(ctx.args, 'channel', 'channel_not_found'));
  const name = requiredString(ctx.args, 'name', 'invalid_name').replace(/^:|:$/g, '');
  const ts = requiredString(ctx.args, 'timestamp', 'no_item_specified');
  const message = conversation.byTs.get(ts);
  if (!message) fail('message_not_found');
  if (!conversation.members.has(ctx.caller.id)) fail('not_in_channel');
  if (add) ctx.actions.react(conversation, message, ctx.caller, name);
  else ctx.actions.unreact(conversation, message, ctx.caller, name);
  return {};
}

/**
 * reactions.get (Tier 3, `reactions:read`): a message with all its reactions. Slack answers a conversation the caller
 * cannot see (a DM or private channel they are not in) as channel_not_found.
 */
function reactionsOf(ctx: MethodContext): Record<string, unknown> {
  ctx.requireScope('reactions:read');
  const conversation = findConversation(ctx, requiredString(ctx.args, 'channel', 'channel_not_found'));
  if (conversation.kind !== 'public' && !conversation.members.has(ctx.caller.id)) fail('channel_not_found');
  const message = conversation.byTs.get(requiredString(ctx.args, 'timestamp', 'no_item_specified'));
  if (!message) fail('message_not_found');
  return { type: 'message', channel: conversation.id, message: messageJson(message, false) };
}

export const chatMethods: Record<string, MethodHandler> = {
  'chat.postMessage': postMessage,
  'chat.update': update,
  'chat.delete': remove,
  'reactions.add': (ctx) => reaction(ctx, true),
  'reactions.remove': (ctx) => reaction(ctx, false),
  'reactions.get': reactionsOf,
};

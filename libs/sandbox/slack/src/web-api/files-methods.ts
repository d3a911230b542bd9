import type { SharedFile, Token } from '../model';
import type { SlackStore } from '../store';
import { fail } from '../errors';
import { idList, optionalInteger, optionalJsonArray, optionalString, requiredString } from './args';
import { findConversation, type MethodContext, type MethodHandler } from './context';

function getUploadUrl(ctx: MethodContext): Record<string, unknown> {
  ctx.requireScope('files:write');
  const filename = requiredString(ctx.args, 'filename');
  const length = optionalInteger(ctx.args, 'length');
  if (length === undefined) requiredString(ctx.args, 'length');
  if (!length || length < 1) fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] length must be a positive integer'] } });
  const file = ctx.actions.createFile(ctx.token.teamId, ctx.caller, filename, length);
  return { upload_url: `${ctx.baseUrl}/upload/v1/${file.id}`, file_id: file.id };
}

function completeUpload(ctx: MethodContext): Record<string, unknown> {
  ctx.requireScope('files:write');
  const entries = optionalJsonArray(ctx.args, 'files', 'invalid_arguments');
  if (!entries?.length) requiredString(ctx.args, 'files');
  const files: SharedFile[] = (entries ?? []).map((entry) => {
    const { id, title } = (entry ?? {}) as { id?: unknown; title?: unknown };
    const file = typeof id === 'string' ? ctx.store.files.get(id) : undefined;
    // The bytes must have reached upload_url first, and only the uploader completes.
    if (!file || file.teamId !== ctx.token.teamId || file.user !== ctx.caller.id || !file.bytes) return fail('file_not_found');
    if (typeof title === 'string' && title) file.title = title;
    file.completed = true;
    return file;
  });
  const channels = [optionalString(ctx.args, 'channel_id'), ...idList(ctx.args, 'channels')].filter((c): c is string => !!c);
  const threadTs = optionalString(ctx.args, 'thread_ts');
  const comment = optionalString(ctx.args, 'initial_comment') ?? '';
  const app = ctx.token.kind === 'bot' ? ctx.app : undefined;
  const targets = channels.map((channelId) => {
    const conversation = findConversation(ctx, channelId);
    if (!conversation.members.has(ctx.caller.id)) fail('not_in_channel');
    if (threadTs && !conversation.byTs.has(threadTs)) fail('thread_not_found');
    return conversation;
  });
  const share = () => {
    for (const conversation of targets) {
      try {
        ctx.actions.shareFiles(conversation, ctx.caller, files, comment, threadTs, app);
      } catch {
        // A delayed share whose thread was deleted meanwhile is lost, as the asynchronous share would be.
      }
    }
  };
  // Checked now, shared later when the share is delayed: the answer then comes before the message exists.
  if (ctx.shareDelayMs > 0) setTimeout(share, ctx.shareDelayMs).unref();
  else share();
  return { files: files.map((f) => ctx.actions.fileJson(f)) };
}

/**
 * Whether a token's holder sees a file, as in Slack: its uploader does, and so does whoever is in a conversation it is
 * shared in (anyone in the workspace for a public channel). A bot sees files only where the bot is.
 */
export function canSeeFile(store: SlackStore, token: Token, file: SharedFile): boolean {
  if (file.teamId !== token.teamId) return false;
  if (file.user === token.userId) return true;
  return file.channels.some((id) => {
    const conversation = store.conversations.get(id);
    return conversation !== undefined && (conversation.members.has(token.userId) || conversation.kind === 'public');
  });
}

/** files.info (Tier 4, files:read): the file with `shares`, the messages that share it (where the ts comes from). */
function info(ctx: MethodContext): Record<string, unknown> {
  ctx.requireScope('files:read');
  const file = ctx.store.files.get(requiredString(ctx.args, 'file', 'file_not_found'));
  if (!file || !file.completed || !canSeeFile(ctx.store, ctx.token, file)) return fail('file_not_found');
  return { file: ctx.actions.fileJson(file, true), comments: [], response_metadata: { next_cursor: '' } };
}

export const filesMethods: Record<string, MethodHandler> = {
  'files.info': info,
  'files.getUploadURLExternal': getUploadUrl,
  'files.completeUploadExternal': completeUpload,
};

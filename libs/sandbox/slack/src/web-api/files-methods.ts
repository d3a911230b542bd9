import type { SharedFile } from '../model';
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
  for (const channelId of channels) {
    const conversation = findConversation(ctx, channelId);
    if (!conversation.members.has(ctx.caller.id)) fail('not_in_channel');
    ctx.actions.shareFiles(conversation, ctx.caller, files, optionalString(ctx.args, 'initial_comment') ?? '', optionalString(ctx.args, 'thread_ts'), ctx.token.kind === 'bot' ? ctx.app : undefined);
  }
  return { files: files.map((f) => ctx.actions.fileJson(f)) };
}

export const filesMethods: Record<string, MethodHandler> = {
  'files.getUploadURLExternal': getUploadUrl,
  'files.completeUploadExternal': completeUpload,
};

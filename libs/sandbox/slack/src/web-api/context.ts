import type { App, Conversation, Token, User } from '../model';
import type { SlackStore } from '../store';
import type { SlackActions } from '../actions';
import { fail } from '../errors';
import type { Args } from './args';

/** Everything a Web API method handler sees. */
export interface MethodContext {
  readonly store: SlackStore;
  readonly actions: SlackActions;
  readonly token: Token;
  readonly caller: User;
  readonly app?: App;
  readonly args: Args;
  /** The sandbox's public base URL (for upload URLs). */
  readonly baseUrl: string;
  /** How long files.completeUploadExternal defers its share (a fault; 0 = at once). */
  readonly shareDelayMs: number;
  hasScope(scope: string): boolean;
  /** Throws missing_scope unless the token has one of `scopes`. */
  requireScope(...scopes: string[]): void;
}

export type MethodHandler = (ctx: MethodContext) => Record<string, unknown> | Promise<Record<string, unknown>>;

/** Resolves a channel argument (an id, or #name / name for channels) within the caller's workspace. */
export function findConversation(ctx: MethodContext, id: string | undefined): Conversation {
  if (!id) return fail('channel_not_found');
  const byId = ctx.store.conversations.get(id);
  const conversation = byId ?? ctx.store.conversationByName(ctx.token.teamId, id.replace(/^#/, ''));
  if (!conversation || conversation.teamId !== ctx.token.teamId) return fail('channel_not_found');
  // Private conversations do not exist for outsiders, as in Slack.
  if (conversation.kind !== 'public' && !conversation.members.has(ctx.caller.id)) return fail('channel_not_found');
  return conversation;
}

export function findUser(ctx: MethodContext, id: string | undefined): User {
  const user = id ? ctx.store.users.get(id) : undefined;
  if (!user || user.teamId !== ctx.token.teamId) return fail('user_not_found');
  return user;
}

/** The scope family for reading/writing a conversation of this kind. */
export function scopeFor(conversation: Conversation, family: 'read' | 'history' | 'write'): string {
  const prefix = { public: 'channels', private: 'groups', im: 'im', mpim: 'mpim' }[conversation.kind];
  if (family === 'write') return conversation.kind === 'public' ? 'channels:manage' : `${prefix}:write`;
  return `${prefix}:${family}`;
}

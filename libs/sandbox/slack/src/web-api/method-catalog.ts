import type { Tier } from '../rate-limiter';
import type { MethodHandler } from './context';
import { appsMethods } from './apps-methods';
import { chatMethods } from './chat-methods';
import { conversationsMethods } from './conversations-methods';
import { filesMethods } from './files-methods';
import { usersMethods } from './users-methods';

export interface MethodSpec {
  readonly handler: MethodHandler;
  /** Rate-limit tier; 'post' is chat.postMessage's per-channel limit. */
  readonly tier: Tier | 'post';
}

/** Tiers as documented per method. */
const TIERS: Record<string, Tier | 'post'> = {
  'auth.test': 4,
  'users.list': 2,
  'users.info': 4,
  'users.lookupByEmail': 3,
  'conversations.open': 3,
  'conversations.create': 2,
  'conversations.invite': 3,
  'conversations.info': 3,
  'conversations.members': 4,
  'conversations.history': 3,
  'conversations.replies': 3,
  'conversations.join': 3,
  'conversations.archive': 2,
  'chat.postMessage': 'post',
  'chat.update': 3,
  'chat.delete': 3,
  'reactions.add': 3,
  'reactions.remove': 2,
  'reactions.get': 3,
  'files.info': 4,
  'files.getUploadURLExternal': 4,
  'files.completeUploadExternal': 4,
  'apps.event.authorizations.list': 4,
};

const handlers: Record<string, MethodHandler> = { ...usersMethods, ...conversationsMethods, ...chatMethods, ...filesMethods, ...appsMethods };

export const METHODS: ReadonlyMap<string, MethodSpec> = new Map(
  Object.entries(handlers).map(([name, handler]) => [name, { handler, tier: TIERS[name] ?? 3 }]),
);

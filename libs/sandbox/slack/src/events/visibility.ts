import type { App, Conversation } from '../model';
import type { SlackStore } from '../store';

/** One installation of an app, as `authorizations` entries show it. */
export interface Authorization {
  readonly enterprise_id: null;
  readonly team_id: string;
  readonly user_id: string;
  readonly is_bot: boolean;
  readonly is_enterprise_install: false;
}

const PREFIX = { public: 'channels', private: 'groups', im: 'im', mpim: 'mpim' } as const;

/**
 * The user scope an installed person needs for the app to hear this event on their behalf (message.im needs
 * im:history, reaction_added reactions:read...). Undefined: events of this type come to the bot only.
 */
export function userEventScope(type: string, conversation: Conversation): string | undefined {
  const prefix = PREFIX[conversation.kind];
  if (type === 'message') return `${prefix}:history`;
  if (type === 'reaction_added' || type === 'reaction_removed') return 'reactions:read';
  if (type === 'file_shared' || type === 'file_deleted') return 'files:read';
  return undefined;
}

/**
 * Every installation of `app` an event is visible to: the bot when it is in the conversation and its scopes reach
 * the event (message.channels needs channels:history, message.groups groups:history, reaction_added reactions:read;
 * events without such a scope, like member_joined_channel, need membership only), or for workspace events; then each person who installed the app with user scopes, is in the conversation and holds the scope.
 * The event itself goes to the app once; its envelope names only the first of these.
 */
export function visibleInstallations(store: SlackStore, app: App, type: string, conversation: Conversation | undefined): Authorization[] {
  const entry = (userId: string, isBot: boolean): Authorization => ({ enterprise_id: null, team_id: app.teamId, user_id: userId, is_bot: isBot, is_enterprise_install: false });
  if (!conversation) return [entry(app.botUserId, true)];
  const visible: Authorization[] = [];
  const scope = userEventScope(type, conversation);
  if (conversation.members.has(app.botUserId) && (scope === undefined || app.botScopes.includes(scope))) visible.push(entry(app.botUserId, true));
  if (scope === undefined) return visible;
  for (const installation of store.userInstallations(app.id)) {
    if (conversation.members.has(installation.userId) && installation.scopes.includes(scope)) visible.push(entry(installation.userId, false));
  }
  return visible;
}

/** What event_context encodes: the event type, workspace, app and conversation (Slack's is opaque; "4-" + base64). */
export interface EventContext {
  readonly et: string;
  readonly tid: string;
  readonly aid: string;
  readonly cid?: string;
}

export function encodeEventContext(context: EventContext): string {
  return `4-${Buffer.from(JSON.stringify(context)).toString('base64url')}`;
}

export function decodeEventContext(value: string): EventContext | undefined {
  if (!value.startsWith('4-')) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(value.slice(2), 'base64url').toString('utf8')) as Partial<EventContext>;
    if (typeof parsed.et !== 'string' || typeof parsed.tid !== 'string' || typeof parsed.aid !== 'string') return undefined;
    if (parsed.cid !== undefined && typeof parsed.cid !== 'string') return undefined;
    return { et: parsed.et, tid: parsed.tid, aid: parsed.aid, cid: parsed.cid };
  } catch {
    return undefined;
  }
}

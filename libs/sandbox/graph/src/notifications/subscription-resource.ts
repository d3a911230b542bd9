import { badRequest } from '../http/graph-error';
import type { Subscription, SubscriptionBilling } from '../state/model';

/** What a subscription's resource watches. */
export type ResourceScope =
  | { readonly kind: 'allChats' }
  | { readonly kind: 'allChannels' }
  /** `/users/{id}/chats/getAllMessages`: every chat the user is in. `user` is the id or UPN as written. */
  | { readonly kind: 'userChats'; readonly user: string }
  | { readonly kind: 'chat'; readonly chatId: string }
  | { readonly kind: 'channel'; readonly teamId: string; readonly channelId: string };

export interface ParsedResource {
  readonly scope: ResourceScope;
  readonly billing: SubscriptionBilling;
}

const segment = (name: string): string => `${name}(?:\\/|\\(')([^/']+)(?:'\\))?`;
const CHAT = new RegExp(`^${segment('chats')}\\/messages$`, 'i');
const CHANNEL = new RegExp(`^${segment('teams')}\\/${segment('channels')}\\/messages$`, 'i');
const USER_CHATS = new RegExp(`^${segment('users')}\\/chats\\/getAllMessages$`, 'i');

/**
 * Parses a subscription resource and its payment model (learn.microsoft.com/graph/teams-licenses):
 * `/chats/getAllMessages` and `/teams/getAllMessages` take `?model=A` or `?model=B`, `/users/{id}/chats/getAllMessages`
 * only `model=B`; without a model a tenant-wide resource runs in evaluation mode (capped). Per-chat and per-channel
 * resources are not metered.
 */
export function parseResource(resource: string): ParsedResource {
  const [rawPath = '', rawQuery = ''] = resource.replace(/^\//, '').split('?', 2);
  const query = new URLSearchParams(rawQuery);
  const model = query.get('model');
  for (const key of query.keys()) if (key !== 'model') throw badRequest(`Query option '${key}' is not supported on subscription resource '${resource}'.`);
  if (model !== null && model !== 'A' && model !== 'B') throw badRequest(`Invalid payment model '${model}': use model=A or model=B.`);
  const tenantWide = (scope: ResourceScope): ParsedResource => ({ scope, billing: model ?? 'evaluation' });
  if (/^chats\/getAllMessages$/i.test(rawPath)) return tenantWide({ kind: 'allChats' });
  if (/^teams\/getAllMessages$/i.test(rawPath)) return tenantWide({ kind: 'allChannels' });
  const user = USER_CHATS.exec(rawPath);
  if (user) {
    if (model === 'A') throw badRequest("The resource '/users/{id}/chats/getAllMessages' supports only the payment model model=B.");
    return tenantWide({ kind: 'userChats', user: decodeURIComponent(user[1] as string) });
  }
  // (unverified) Graph's answer to ?model= on a per-chat or per-channel resource; they are not metered.
  const unmetered = (scope: ResourceScope): ParsedResource => {
    if (model !== null) throw badRequest(`A payment model applies only to getAllMessages resources, not to '${resource}'.`);
    return { scope, billing: 'unmetered' };
  };
  const chat = CHAT.exec(rawPath);
  if (chat) return unmetered({ kind: 'chat', chatId: decodeURIComponent(chat[1] as string) });
  const channel = CHANNEL.exec(rawPath);
  if (channel) return unmetered({ kind: 'channel', teamId: decodeURIComponent(channel[1] as string), channelId: decodeURIComponent(channel[2] as string) });
  throw badRequest(
    `Resource '${resource}' is not supported by the sandbox for subscriptions (supported: /chats/getAllMessages, /teams/getAllMessages, /users/{id}/chats/getAllMessages, /chats/{id}/messages, /teams/{id}/channels/{id}/messages).`,
  );
}

/** Billing of a stored subscription (derived for state saved before the field existed). */
export function billingOf(subscription: Subscription): SubscriptionBilling {
  return subscription.billing ?? parseResource(subscription.resource).billing;
}

/** A key naming the watched chat or channel, for the per-app-per-conversation quota; null for tenant-wide scopes. */
export function conversationKey(scope: ResourceScope): string | null {
  if (scope.kind === 'chat') return `chat:${scope.chatId}`;
  if (scope.kind === 'channel') return `channel:${scope.teamId}:${scope.channelId}`;
  return null;
}

/** Expired subscriptions stop notifying and disappear, as in Graph (which deletes them some time after expiry). */
export function purgeExpired(subscriptions: Map<string, Subscription>, now = Date.now()): void {
  for (const [id, subscription] of subscriptions) if (Date.parse(subscription.expirationDateTime) <= now) subscriptions.delete(id);
}

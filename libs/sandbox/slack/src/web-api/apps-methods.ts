import { fail } from '../errors';
import { decodeEventContext, visibleInstallations } from '../events/visibility';
import { decodeCursor, encodeCursor, optionalInteger, optionalString, requiredString } from './args';
import type { MethodContext, MethodHandler } from './context';

/**
 * apps.event.authorizations.list (app-level token, authorizations:read): every installation an event is visible
 * to, from the event_context of its envelope. The sandbox works the list out when asked, from who is in the
 * conversation and installed now; Slack's is fixed when the event happens (a difference only if membership or
 * installations change in between).
 */
function eventAuthorizations(ctx: MethodContext): Record<string, unknown> {
  ctx.requireScope('authorizations:read');
  const context = decodeEventContext(requiredString(ctx.args, 'event_context', 'invalid_event_context'));
  if (!context) fail('invalid_event_context');
  if (context.aid !== ctx.token.appId) fail('auth_mismatch');
  const app = ctx.store.apps.get(context.aid);
  const conversation = context.cid === undefined ? undefined : ctx.store.conversations.get(context.cid);
  if (!app || app.teamId !== context.tid || (context.cid !== undefined && !conversation)) fail('invalid_event_context');
  const all = visibleInstallations(ctx.store, app, context.et, conversation);
  const offset = decodeCursor('authz', optionalString(ctx.args, 'cursor'));
  const limit = optionalInteger(ctx.args, 'limit');
  const size = Math.min(limit && limit > 0 ? limit : 100, 1000);
  const next = offset + size < all.length ? encodeCursor('authz', offset + size) : '';
  return { authorizations: all.slice(offset, offset + size), response_metadata: { next_cursor: next } };
}

export const appsMethods: Record<string, MethodHandler> = {
  'apps.event.authorizations.list': eventAuthorizations,
};

/** Methods an app-level (xapp-) token may call, and that only it may call. */
export const APP_TOKEN_METHODS: ReadonlySet<string> = new Set(Object.keys(appsMethods));

import { fail } from '../errors';
import { userJson } from '../serializers';
import { decodeCursor, encodeCursor, optionalInteger, optionalString, requiredString } from './args';
import { findUser, type MethodContext, type MethodHandler } from './context';

/** Slack recommends at most 200 per page and may return fewer than asked; the sandbox caps pages at 200. */
const MAX_PAGE = 200;

function usersList(ctx: MethodContext): Record<string, unknown> {
  ctx.requireScope('users:read');
  const limit = optionalInteger(ctx.args, 'limit');
  if (limit !== undefined && limit < 0) fail('invalid_limit');
  const offset = decodeCursor('user', optionalString(ctx.args, 'cursor'));
  const all = [...ctx.store.users.values()].filter((u) => u.teamId === ctx.token.teamId);
  // No limit means "everything" in Slack; the sandbox still pages so huge generated workspaces stay cheap.
  const size = Math.min(limit && limit > 0 ? limit : MAX_PAGE, MAX_PAGE);
  const page = all.slice(offset, offset + size);
  const withEmail = ctx.hasScope('users:read.email');
  const next = offset + size < all.length ? encodeCursor('user', offset + size) : '';
  return { members: page.map((u) => userJson(u, withEmail)), cache_ts: Math.floor(Date.now() / 1000), response_metadata: { next_cursor: next } };
}

function usersInfo(ctx: MethodContext): Record<string, unknown> {
  ctx.requireScope('users:read');
  const user = findUser(ctx, requiredString(ctx.args, 'user', 'user_not_found'));
  return { user: userJson(user, ctx.hasScope('users:read.email')) };
}

function usersLookupByEmail(ctx: MethodContext): Record<string, unknown> {
  ctx.requireScope('users:read.email');
  const email = requiredString(ctx.args, 'email', 'users_not_found');
  const user = ctx.store.userByEmail(ctx.token.teamId, email);
  if (!user) fail('users_not_found');
  return { user: userJson(user, true) };
}

function authTest(ctx: MethodContext): Record<string, unknown> {
  const workspace = ctx.store.workspaces.get(ctx.token.teamId);
  const result: Record<string, unknown> = {
    url: `https://${workspace?.domain ?? 'sandbox'}.slack.com/`,
    team: workspace?.name,
    user: ctx.caller.name,
    team_id: ctx.token.teamId,
    user_id: ctx.caller.id,
    is_enterprise_install: false,
  };
  if (ctx.token.kind === 'bot' && ctx.app) result['bot_id'] = ctx.app.botId;
  return result;
}

export const usersMethods: Record<string, MethodHandler> = {
  'auth.test': authTest,
  'users.list': usersList,
  'users.info': usersInfo,
  'users.lookupByEmail': usersLookupByEmail,
};

import type { SlackStore } from '../store';
import { fail } from '../errors';
import { optionalString, requiredString, type Args } from './args';

/**
 * oauth.v2.access: exchanges a code from the authorize page (or control.authorize) for the installation's tokens.
 * Client credentials come as HTTP Basic auth or as client_id / client_secret arguments. The answer has the bot part
 * (top-level access_token, token_type "bot") only when bot scopes were asked for, and `authed_user` carries the
 * person's user token when user scopes were.
 */
export function oauthV2Access(store: SlackStore, args: Args, authorization: string | undefined): Record<string, unknown> {
  let clientId = optionalString(args, 'client_id');
  let clientSecret = optionalString(args, 'client_secret');
  if (authorization?.startsWith('Basic ')) {
    const [id, secret] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':');
    clientId = id;
    clientSecret = secret;
  }
  const grantType = optionalString(args, 'grant_type');
  if (grantType !== undefined && grantType !== 'authorization_code') fail('invalid_grant_type');
  const app = [...store.apps.values()].find((a) => a.clientId === clientId);
  if (!app) fail('invalid_client_id');
  if (app.clientSecret !== clientSecret) fail('bad_client_secret');
  const grant = store.grants.get(requiredString(args, 'code', 'invalid_code'));
  if (!grant || grant.used || grant.appId !== app.id || Date.now() > grant.expiresAt) fail('invalid_code');
  // "This must match the originally submitted URI (if one was sent)."
  const redirectUri = optionalString(args, 'redirect_uri');
  if (grant.redirectUri !== undefined ? redirectUri !== grant.redirectUri : redirectUri !== undefined && !app.redirectUrls.includes(redirectUri)) fail('bad_redirect_uri');
  grant.used = true;
  const workspace = store.workspaces.get(app.teamId);
  const authedUser: Record<string, unknown> = { id: grant.userId };
  if (grant.userScopes.length > 0) {
    const installation = store.installForUser(app, grant.userId, grant.userScopes);
    Object.assign(authedUser, { scope: installation.scopes.join(','), access_token: installation.token, token_type: 'user' });
  }
  const result: Record<string, unknown> = { app_id: app.id, authed_user: authedUser };
  if (grant.botScopes.length > 0) {
    const scopes = [...new Set([...app.botScopes, ...grant.botScopes])];
    const bot = store.issueToken('bot', app.teamId, app.botUserId, scopes, app.id);
    Object.assign(result, { scope: scopes.join(','), token_type: 'bot', access_token: bot.token, bot_user_id: app.botUserId });
  }
  return { ...result, team: { id: app.teamId, name: workspace?.name }, enterprise: null, is_enterprise_install: false };
}

import type { SlackStore } from '../store';
import { fail } from '../errors';
import { optionalString, requiredString, type Args } from './args';

/**
 * oauth.v2.access: exchanges a code (issued in-process by control.authorize) for a bot token and, when user scopes
 * were granted, a user token. Client credentials come as HTTP Basic auth or as client_id / client_secret arguments.
 */
export function oauthV2Access(store: SlackStore, args: Args, authorization: string | undefined): Record<string, unknown> {
  let clientId = optionalString(args, 'client_id');
  let clientSecret = optionalString(args, 'client_secret');
  if (authorization?.startsWith('Basic ')) {
    const [id, secret] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':');
    clientId = id;
    clientSecret = secret;
  }
  const app = [...store.apps.values()].find((a) => a.clientId === clientId);
  if (!app) fail('invalid_client_id');
  if (app.clientSecret !== clientSecret) fail('bad_client_secret');
  const grant = store.grants.get(requiredString(args, 'code', 'invalid_code'));
  if (!grant || grant.used || grant.appId !== app.id) fail('invalid_code');
  grant.used = true;
  const workspace = store.workspaces.get(app.teamId);
  const bot = store.issueToken('bot', app.teamId, app.botUserId, app.botScopes, app.id);
  const authedUser: Record<string, unknown> = { id: grant.userId };
  if (grant.userScopes.length > 0) {
    const user = store.issueToken('user', app.teamId, grant.userId, grant.userScopes, app.id);
    Object.assign(authedUser, { scope: grant.userScopes.join(','), access_token: user.token, token_type: 'user' });
  }
  return {
    app_id: app.id,
    authed_user: authedUser,
    scope: app.botScopes.join(','),
    token_type: 'bot',
    access_token: bot.token,
    bot_user_id: app.botUserId,
    team: { id: app.teamId, name: workspace?.name },
    enterprise: null,
    is_enterprise_install: false,
  };
}

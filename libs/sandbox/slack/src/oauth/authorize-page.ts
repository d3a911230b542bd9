import type { App, User } from '../model';
import type { SlackStore } from '../store';
import { issueGrant, redirectAllowed } from './grants';
import { BOT_ONLY_SCOPES, invalidScope, parseScopeList } from './scopes';

export interface PageResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const escape = (value: string): string => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const HTML = { 'content-type': 'text/html; charset=utf-8' };

/** Problems Slack shows on its own page rather than sending back to an unverified redirect_uri. */
function errorPage(status: number, code: string, detail: string): PageResponse {
  return { status, headers: HTML, body: `<!doctype html><title>Slack: ${escape(code)}</title><h1>${escape(code)}</h1><p>${escape(detail)}</p>` };
}

/** The person signing in: handle, email or user id, in the app's workspace, active and human. */
function signIn(store: SlackStore, app: App, account: string): User | undefined {
  const wanted = account.trim().toLowerCase();
  if (!wanted) return undefined;
  for (const user of store.users.values()) {
    if (user.teamId !== app.teamId || user.isBot || user.deleted) continue;
    if (user.id.toLowerCase() === wanted || user.name.toLowerCase() === wanted || (user.email && user.email.toLowerCase() === wanted)) return user;
  }
  return undefined;
}

/**
 * GET/POST /oauth/v2/authorize: Slack's install and consent page. GET shows the app, the workspace, the bot scopes
 * and the scopes asked "on your behalf", with a sign-in field (the sandbox has no passwords: a person is signed in
 * by naming their account, as a browser already signed in to Slack would be). POST with `approve` issues a
 * single-use code and redirects to redirect_uri with `code` and `state`; `cancel` redirects with
 * `error=access_denied`. A bad client_id, redirect_uri or scope never redirects: it is an error page.
 */
export function authorizePage(store: SlackStore, method: string, params: URLSearchParams, codeLifetimeMs: number): PageResponse {
  const clientId = params.get('client_id') ?? '';
  const app = [...store.apps.values()].find((a) => a.clientId === clientId);
  if (!app) return errorPage(400, 'invalid_client_id', `Invalid client_id parameter: '${clientId}'.`);
  const asked = params.get('redirect_uri') ?? undefined;
  const redirectUri = asked ?? app.redirectUrls[0];
  if (redirectUri === undefined || !redirectAllowed(app, redirectUri)) return errorPage(400, 'bad_redirect_uri', 'redirect_uri did not match any configured URIs.');
  const botScopes = parseScopeList(params.get('scope'));
  const userScopes = parseScopeList(params.get('user_scope'));
  if (botScopes.length === 0 && userScopes.length === 0) return errorPage(400, 'invalid_scope', 'No scope or user_scope was requested.');
  const bad = invalidScope(botScopes, userScopes);
  if (bad !== undefined) return errorPage(400, 'invalid_scope', `Invalid permissions requested: ${bad}${BOT_ONLY_SCOPES.has(bad) ? ' is a bot scope' : ''}.`);
  const state = params.get('state');
  const redirect = (query: Record<string, string>): PageResponse => {
    const url = new URL(redirectUri);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    if (state !== null) url.searchParams.set('state', state);
    return { status: 302, headers: { location: url.toString(), ...HTML }, body: '' };
  };
  const workspace = store.workspaces.get(app.teamId);

  if (method === 'GET') {
    const keep = ['client_id', 'scope', 'user_scope', 'redirect_uri', 'state', 'team'];
    const hidden = keep.flatMap((k) => (params.has(k) ? [`<input type="hidden" name="${k}" value="${escape(params.get(k) ?? '')}">`] : [])).join('');
    const list = (scopes: string[]) => scopes.map((s) => `<li>${escape(s)}</li>`).join('');
    return {
      status: 200,
      headers: HTML,
      body:
        `<!doctype html><title>${escape(app.name)} is requesting permission</title>` +
        `<h1>${escape(app.name)} is requesting permission to access the ${escape(workspace?.name ?? '')} Slack workspace</h1>` +
        (botScopes.length ? `<h2>What will ${escape(app.name)} be able to view and do?</h2><ul id="scope">${list(botScopes)}</ul>` : '') +
        (userScopes.length ? `<h2>What will ${escape(app.name)} be able to do on your behalf?</h2><ul id="user_scope">${list(userScopes)}</ul>` : '') +
        `<form method="post" action="/oauth/v2/authorize">${hidden}<label>Your account <input name="account" autocomplete="username"></label>` +
        `<button name="decision" value="approve">Allow</button><button name="decision" value="cancel">Cancel</button></form>`,
    };
  }
  if (params.get('decision') === 'cancel') return redirect({ error: 'access_denied' });
  if (params.get('decision') !== 'approve') return errorPage(400, 'invalid_request', 'Choose Allow or Cancel.');
  const person = signIn(store, app, params.get('account') ?? '');
  if (!person) return errorPage(401, 'invalid_auth', `No active person '${params.get('account') ?? ''}' in ${workspace?.name ?? 'this workspace'}.`);
  const grant = issueGrant(store, { app, userId: person.id, botScopes, userScopes, redirectUri: asked, lifetimeMs: codeLifetimeMs });
  return redirect({ code: grant.code });
}

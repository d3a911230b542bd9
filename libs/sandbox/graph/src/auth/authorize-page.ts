import type { SandboxContext } from '../context';
import { IdentityError } from './identity-error';
import { checkEnabled, checkUsable, resolveSignIn } from './sign-in';
import { parseScopes, resolveTenant } from './tenant-resolution';

export interface PageResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const escape = (value: string): string => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function errorPage(error: IdentityError): PageResponse {
  return { status: error.status, headers: { 'content-type': 'text/html; charset=utf-8' }, body: `<!doctype html><title>Sign in error</title><p>${escape(error.message)}</p>` };
}

/**
 * The minimal interactive half of the authorization code flow: GET shows a sign-in and consent form, POST signs
 * in and redirects to the app with a code. Interactive sign-in can satisfy MFA, so the guest MFA policy does not
 * block it (that is the difference from ROPC the sandbox must keep).
 */
export function authorizePage(context: SandboxContext, tenantSegment: string, method: string, params: URLSearchParams): PageResponse {
  try {
    const tenant = resolveTenant(context.store, tenantSegment);
    if (!tenant) throw new IdentityError(400, 'invalid_request', 90002, `Tenant '${tenantSegment}' not found.`);
    const clientId = params.get('client_id') ?? '';
    const registration = context.store.apps.get(clientId);
    if (!registration || !registration.grants.has(tenant.id)) throw new IdentityError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant.name}'.`);
    const redirectUri = params.get('redirect_uri') ?? '';
    if (!registration.redirectUris.includes(redirectUri)) {
      throw new IdentityError(400, 'invalid_request', 50011, `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`);
    }
    if (params.get('response_type') !== 'code') throw new IdentityError(400, 'unsupported_response_type', 700054, "response_type 'code' is required by the sandbox.");
    const state = params.get('state');
    const redirect = (query: Record<string, string>): PageResponse => {
      const url = new URL(redirectUri);
      for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
      if (state !== null) url.searchParams.set('state', state);
      return { status: 302, headers: { location: url.toString(), 'content-type': 'text/html' }, body: '' };
    };
    if (method === 'GET') {
      const hidden = [...params].map(([k, v]) => `<input type="hidden" name="${escape(k)}" value="${escape(v)}">`).join('');
      return {
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: `<!doctype html><title>Sign in to ${escape(tenant.name)}</title><h1>${escape(registration.displayName)} wants to access your account</h1><p>Permissions: ${escape(params.get('scope') ?? '')}</p><form method="post">${hidden}<label>Account <input name="username" value="${escape(params.get('login_hint') ?? '')}"></label><label>Password <input name="password" type="password"></label><button name="consent" value="accept">Accept</button><button name="consent" value="cancel">Cancel</button></form>`,
      };
    }
    if (params.get('consent') === 'cancel') return redirect({ error: 'access_denied', error_description: 'AADSTS65004: User declined to consent to access the app.' });
    const { account, principal } = resolveSignIn(context.store, tenant, params.get('username') ?? '');
    const held = context.store.passwords.get(account.id);
    // A person knows their own password; when the sandbox holds one for the account, it must match.
    if (held !== undefined && held !== params.get('password')) throw new IdentityError(400, 'invalid_grant', 50126, 'Error validating credentials due to invalid username or password.');
    checkEnabled(account);
    checkUsable(context.store, principal);
    const consented = registration.grants.get(tenant.id)?.scopes ?? new Set<string>();
    const parsed = parseScopes(params.get('scope') ?? '');
    const scopes = parsed.isDefault || parsed.graph.length === 0 ? new Set(consented) : new Set(parsed.graph);
    const missing = [...scopes].filter((s) => !consented.has(s));
    if (missing.length) return redirect({ error: 'consent_required', error_description: `AADSTS65001: The user or administrator has not consented to: ${missing.join(' ')}` });
    const code = context.tokens.issueCode({ tenantId: tenant.id, clientId, userId: principal.id, redirectUri, scopes });
    return redirect({ code });
  } catch (error) {
    if (error instanceof IdentityError) return errorPage(error);
    throw error;
  }
}

import type { SandboxContext } from '../context';
import type { AppRegistration, Tenant, User } from '../state/model';
import { IdentityError, mfaRequired } from './identity-error';
import { checkEnabled, checkPasswordCurrent, checkUsable, resolveSignIn } from './sign-in';
import { parseScopes, resolveTenant } from './tenant-resolution';

type Form = URLSearchParams;
const LIFETIME = 3599;

function required(form: Form, name: string): string {
  const value = form.get(name);
  if (!value) throw new IdentityError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);
  return value;
}

function app(context: SandboxContext, form: Form, tenant: Tenant, secretRequired: boolean): AppRegistration {
  const clientId = required(form, 'client_id');
  const registration = context.store.apps.get(clientId);
  if (!registration || !registration.grants.has(tenant.id)) {
    throw new IdentityError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant.name}'.`);
  }
  const secret = form.get('client_secret');
  if (secretRequired && !secret) {
    throw new IdentityError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  }
  if (secret && secret !== registration.clientSecret) {
    throw new IdentityError(401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.');
  }
  return registration;
}

/** Delegated scopes granted for a request: all consented ones for `.default`, else the requested ones, which must be consented. */
function delegatedScopes(registration: AppRegistration, tenant: Tenant, scope: string | undefined, fallback?: ReadonlySet<string>): Set<string> {
  const consented = registration.grants.get(tenant.id)?.scopes ?? new Set<string>();
  const parsed = parseScopes(scope);
  if (parsed.isDefault) return new Set(consented);
  if (parsed.graph.length === 0) return new Set(fallback ?? consented);
  const missing = parsed.graph.filter((s) => !consented.has(s));
  if (missing.length) {
    throw new IdentityError(400, 'invalid_grant', 65001, `The user or administrator has not consented to use the application with ID '${registration.clientId}'. Send an interactive authorization request for this user and resource. Missing: ${missing.join(' ')}.`, { suberror: 'consent_required' });
  }
  return new Set(parsed.graph);
}

function delegatedResponse(context: SandboxContext, tenant: Tenant, registration: AppRegistration, user: User, scopes: ReadonlySet<string>, offline: boolean): Record<string, unknown> {
  const principal = { tenantId: tenant.id, clientId: registration.clientId, kind: 'delegated' as const, roles: new Set<string>(), scopes, userId: user.id };
  const body: Record<string, unknown> = {
    token_type: 'Bearer',
    scope: [...scopes, 'openid', 'profile', 'email'].join(' '),
    expires_in: LIFETIME,
    ext_expires_in: LIFETIME,
    access_token: context.tokens.issueAccess(principal, LIFETIME),
  };
  if (offline) body['refresh_token'] = context.tokens.issueRefresh({ tenantId: tenant.id, clientId: registration.clientId, userId: user.id, scopes });
  return body;
}

function guestPolicy(tenant: Tenant, user: User): void {
  if (user.userType === 'Guest' && tenant.guestMfaRequired) throw mfaRequired();
}

/** `POST /{tenant}/oauth2/v2.0/token`. Returns the JSON body of a 200, or throws an IdentityError. */
export function tokenGrant(context: SandboxContext, tenantSegment: string, form: Form): Record<string, unknown> {
  const grantType = required(form, 'grant_type');
  const tenant = resolveTenant(context.store, tenantSegment);
  if (!tenant) {
    if (tenantSegment === 'organizations' || tenantSegment === 'common') {
      throw new IdentityError(400, 'invalid_request', 90002, `Tenant '${tenantSegment}' is not supported by the sandbox token endpoint: use the tenant id or domain.`);
    }
    throw new IdentityError(400, 'invalid_request', 90002, `Tenant '${tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
  }
  switch (grantType) {
    case 'client_credentials': {
      const registration = app(context, form, tenant, true);
      const parsed = parseScopes(required(form, 'scope'));
      if (!parsed.isDefault || parsed.graph.length) {
        throw new IdentityError(400, 'invalid_scope', 1002012, `The provided value for scope ${form.get('scope')} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
      }
      const roles = new Set(registration.grants.get(tenant.id)?.roles ?? []);
      const principal = { tenantId: tenant.id, clientId: registration.clientId, kind: 'application' as const, roles, scopes: new Set<string>() };
      return { token_type: 'Bearer', expires_in: LIFETIME, ext_expires_in: LIFETIME, access_token: context.tokens.issueAccess(principal, LIFETIME) };
    }
    case 'password': {
      const registration = app(context, form, tenant, false);
      const username = required(form, 'username');
      const password = required(form, 'password');
      const { account, principal } = resolveSignIn(context.store, tenant, username);
      const held = context.store.passwords.get(account.id);
      if (held === undefined || held !== password) {
        throw new IdentityError(400, 'invalid_grant', 50126, 'Error validating credentials due to invalid username or password.');
      }
      checkEnabled(account);
      checkUsable(context.store, principal);
      checkPasswordCurrent(context.store, account);
      guestPolicy(tenant, principal);
      const scopes = delegatedScopes(registration, tenant, form.get('scope') ?? undefined);
      return delegatedResponse(context, tenant, registration, principal, scopes, parseScopes(form.get('scope') ?? '').oidc.has('offline_access'));
    }
    case 'refresh_token': {
      const registration = app(context, form, tenant, false);
      const grant = context.tokens.refreshGrant(required(form, 'refresh_token'));
      if (!grant || grant.clientId !== registration.clientId || grant.tenantId !== tenant.id) {
        throw new IdentityError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
      }
      if (grant.revoked) {
        throw new IdentityError(400, 'invalid_grant', 50173, 'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.');
      }
      const user = context.store.users.get(grant.userId);
      if (!user || user.deleted) throw new IdentityError(400, 'invalid_grant', 50034, 'The user account does not exist in the directory.');
      checkUsable(context.store, user);
      guestPolicy(tenant, user);
      const scopes = delegatedScopes(registration, tenant, form.get('scope') ?? undefined, grant.scopes);
      return delegatedResponse(context, tenant, registration, user, scopes, true);
    }
    case 'authorization_code': {
      const registration = app(context, form, tenant, true);
      const code = context.tokens.code(required(form, 'code'));
      const redirectUri = required(form, 'redirect_uri');
      if (!code || code.clientId !== registration.clientId || code.tenantId !== tenant.id) {
        throw new IdentityError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
      }
      if (code.redeemed) throw new IdentityError(400, 'invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.');
      if (code.expiresAt < Date.now()) throw new IdentityError(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity.');
      if (code.redirectUri !== redirectUri) {
        throw new IdentityError(400, 'invalid_grant', 500112, 'The reply address does not match the reply address provided when requesting Authorization code.');
      }
      code.redeemed = true;
      const user = context.store.users.get(code.userId) as User;
      return delegatedResponse(context, tenant, registration, user, code.scopes, true);
    }
    default:
      throw new IdentityError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`);
  }
}

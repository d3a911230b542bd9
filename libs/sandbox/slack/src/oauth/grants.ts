import type { App, OAuthGrant } from '../model';
import type { SlackStore } from '../store';

/** Slack's authorization codes are good for ten minutes; the sandbox scales that with its timeScale. */
export const CODE_LIFETIME_MS = 10 * 60_000;

export interface GrantRequest {
  readonly app: App;
  readonly userId: string;
  readonly botScopes: readonly string[];
  readonly userScopes: readonly string[];
  readonly redirectUri?: string;
  readonly lifetimeMs: number;
}

/** Records an approval and returns the code oauth.v2.access will exchange once. */
export function issueGrant(store: SlackStore, request: GrantRequest): OAuthGrant {
  const code = `${store.ids.digits(12)}.${store.ids.digits(13)}.${store.ids.secret(64)}`;
  const grant: OAuthGrant = {
    code,
    appId: request.app.id,
    userId: request.userId,
    botScopes: [...request.botScopes],
    userScopes: [...request.userScopes],
    redirectUri: request.redirectUri,
    expiresAt: Date.now() + request.lifetimeMs,
    used: false,
  };
  store.grants.set(code, grant);
  return grant;
}

/**
 * Whether a redirect_uri may be used for the app: equal to a configured Redirect URL, or below one (same scheme,
 * host and port, path under it). The "below" rule is what Slack's docs describe for subdirectories (unverified).
 */
export function redirectAllowed(app: App, redirectUri: string): boolean {
  let asked: URL;
  try {
    asked = new URL(redirectUri);
  } catch {
    return false;
  }
  return app.redirectUrls.some((configured) => {
    if (configured === redirectUri) return true;
    try {
      const base = new URL(configured);
      const path = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
      return base.origin === asked.origin && (asked.pathname === base.pathname || asked.pathname.startsWith(path));
    } catch {
      return false;
    }
  });
}

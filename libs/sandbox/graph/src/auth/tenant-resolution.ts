import type { Store } from '../state/store';
import type { Tenant } from '../state/model';

/** The tenant named in a token or authorize URL: its id, or one of its domains. `organizations` and `common` return undefined. */
export function resolveTenant(store: Store, segment: string): Tenant | undefined {
  const key = segment.toLowerCase();
  for (const tenant of store.tenants.values()) {
    if (tenant.id === key || tenant.initialDomain === key || tenant.domains.includes(key)) return tenant;
  }
  return undefined;
}

export const GRAPH_RESOURCE = 'https://graph.microsoft.com/';
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

/** Splits a scope parameter into Graph scopes (short names) and OpenID Connect scopes. */
export function parseScopes(scope: string | undefined): { graph: string[]; oidc: Set<string>; isDefault: boolean } {
  const graph: string[] = [];
  const oidc = new Set<string>();
  let isDefault = false;
  for (const raw of (scope ?? '').split(/\s+/).filter(Boolean)) {
    if (OIDC_SCOPES.has(raw)) {
      oidc.add(raw);
      continue;
    }
    const short = raw.startsWith(GRAPH_RESOURCE) ? raw.slice(GRAPH_RESOURCE.length) : raw;
    if (short === '.default') isDefault = true;
    else graph.push(short);
  }
  return { graph, oidc, isDefault };
}

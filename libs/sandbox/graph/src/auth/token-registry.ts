import { opaqueToken } from '../state/ids';
import type { Principal } from '../state/model';

/** Every credential the registry issued, as plain JSON (sets as arrays), for a sandbox that restarts. */
export interface IssuedTokens {
  readonly access: { token: string; principal: SavedPrincipal; expiresAt: number }[];
  readonly refresh: { token: string; grant: Omit<RefreshGrant, 'scopes'> & { scopes: string[] } }[];
  readonly codes: { code: string; grant: Omit<AuthorizationCode, 'scopes'> & { scopes: string[] } }[];
}

type SavedPrincipal = Omit<Principal, 'roles' | 'scopes'> & { roles: string[]; scopes: string[] };

const savePrincipal = (p: Principal): SavedPrincipal => ({ ...p, roles: [...p.roles], scopes: [...p.scopes] });
const loadPrincipal = (p: SavedPrincipal): Principal => ({ ...p, roles: new Set(p.roles), scopes: new Set(p.scopes) });

interface RefreshGrant {
  readonly tenantId: string;
  readonly clientId: string;
  readonly userId: string;
  readonly scopes: ReadonlySet<string>;
  revoked: boolean;
}

interface AuthorizationCode {
  readonly tenantId: string;
  readonly clientId: string;
  readonly userId: string;
  readonly redirectUri: string;
  readonly scopes: ReadonlySet<string>;
  readonly expiresAt: number;
  redeemed: boolean;
}

/**
 * Issued credentials. Access tokens are opaque strings mapped to a principal (Graph clients must treat them as
 * opaque anyway). Refresh tokens rotate: every refresh answers a new one. As in Entra, the old one is not consumed
 * by use; it dies when revoked (per user, like revokeSignInSessions).
 */
export class TokenRegistry {
  private readonly access = new Map<string, { principal: Principal; expiresAt: number }>();
  private readonly refresh = new Map<string, RefreshGrant>();
  private readonly codes = new Map<string, AuthorizationCode>();

  issueAccess(principal: Principal, lifetimeSeconds = 3599): string {
    const token = opaqueToken('sbx-at.');
    this.access.set(token, { principal, expiresAt: Date.now() + lifetimeSeconds * 1000 });
    return token;
  }

  /** The principal behind a bearer token, 'expired', or undefined when unknown. */
  principal(token: string): Principal | 'expired' | undefined {
    const entry = this.access.get(token);
    if (!entry) return undefined;
    return entry.expiresAt < Date.now() ? 'expired' : entry.principal;
  }

  issueRefresh(grant: Omit<RefreshGrant, 'revoked'>): string {
    const token = opaqueToken('sbx-rt.', 48);
    this.refresh.set(token, { ...grant, revoked: false });
    return token;
  }

  refreshGrant(token: string): RefreshGrant | undefined {
    return this.refresh.get(token);
  }

  /** Revokes every refresh token of a user (Entra's revokeSignInSessions) and, optionally, their access tokens. */
  revokeUser(userId: string, accessToo = false): number {
    let count = 0;
    for (const grant of this.refresh.values()) {
      if (grant.userId === userId && !grant.revoked) {
        grant.revoked = true;
        count++;
      }
    }
    if (accessToo) for (const [token, entry] of this.access) if (entry.principal.userId === userId) this.access.delete(token);
    return count;
  }

  revokeRefreshToken(token: string): boolean {
    const grant = this.refresh.get(token);
    if (!grant) return false;
    grant.revoked = true;
    return true;
  }

  /** Forgets an access token, so the next call with it is a 401 (simulates expiry). */
  expireAccess(token: string): void {
    const entry = this.access.get(token);
    if (entry) entry.expiresAt = 0;
  }

  issueCode(code: Omit<AuthorizationCode, 'redeemed' | 'expiresAt'>): string {
    const value = opaqueToken('sbx-code.', 32);
    this.codes.set(value, { ...code, expiresAt: Date.now() + 10 * 60_000, redeemed: false });
    return value;
  }

  code(value: string): AuthorizationCode | undefined {
    return this.codes.get(value);
  }

  exportIssued(): IssuedTokens {
    return {
      access: [...this.access].map(([token, entry]) => ({ token, principal: savePrincipal(entry.principal), expiresAt: entry.expiresAt })),
      refresh: [...this.refresh].map(([token, grant]) => ({ token, grant: { ...grant, scopes: [...grant.scopes] } })),
      codes: [...this.codes].map(([code, grant]) => ({ code, grant: { ...grant, scopes: [...grant.scopes] } })),
    };
  }

  restoreIssued(issued: IssuedTokens): void {
    this.clear();
    for (const { token, principal, expiresAt } of issued.access) this.access.set(token, { principal: loadPrincipal(principal), expiresAt });
    for (const { token, grant } of issued.refresh) this.refresh.set(token, { ...grant, scopes: new Set(grant.scopes) });
    for (const { code, grant } of issued.codes) this.codes.set(code, { ...grant, scopes: new Set(grant.scopes) });
  }

  clear(): void {
    this.access.clear();
    this.refresh.clear();
    this.codes.clear();
  }
}

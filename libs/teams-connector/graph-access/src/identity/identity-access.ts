import { Secret } from '@parley/config';
import { InternalApiError, internalRoutes, NEEDS_ATTENTION_PROBLEM, type TeamsSettings, type TokenRequest } from '@parley/internal-api';
import type { InternalApiAccess } from '@parley/service-runtime';
import { TokenCache } from './token-cache';

export type TokenSubject = TokenRequest['subject'];

/** identity cannot sign in as the subject until an admin acts (MFA policy, dead credential, refused secret...). */
export class NeedsAttentionError extends Error {
  constructor(
    readonly reason: string,
    readonly subject: TokenSubject,
  ) {
    super(`identity cannot sign in as ${describeSubject(subject)}: ${reason}`);
    this.name = 'NeedsAttentionError';
  }
}

/** identity does not know what was asked about: the connection (deleted, another org's id) or the person. */
export class UnknownToIdentityError extends Error {
  constructor(what: string) {
    super(`identity does not know ${what}`);
    this.name = 'UnknownToIdentityError';
  }
}

const connectionGone = (orgId: string, connectionId: string) => new UnknownToIdentityError(`Teams connection ${connectionId} of ${orgId}`);

export function describeSubject(subject: TokenSubject): string {
  switch (subject.kind) {
    case 'app':
      return `the app in the ${subject.tenant} tenant`;
    case 'team-owner':
      return 'the team owner';
    case 'person':
      return `person ${subject.personId}`;
  }
}

const subjectKey = (s: TokenSubject): string => (s.kind === 'app' ? `app:${s.tenant}` : s.kind === 'person' ? `person:${s.personId}` : 'team-owner');

/**
 * identity's internal API as teams-connector uses it: access tokens (cached per subject until 2 minutes before they
 * expire), a connection's settings (cached briefly), and a guest's home password. Every call carries the internal
 * bearer. Settings come from the connection's view, which holds no secret: the connector signs in through identity
 * and never needs the client secret or the team owner's password (least privilege; ADR 0011).
 */
export class IdentityAccess {
  private readonly tokens: TokenCache;
  private readonly settings = new Map<string, { settings: TeamsSettings; until: number }>();

  constructor(
    private readonly internal: InternalApiAccess,
    private readonly options: { readonly settingsTtlMs?: number; readonly now?: () => number } = {},
  ) {
    this.tokens = new TokenCache(options.now);
  }

  async accessToken(orgId: string, connectionId: string, subject: TokenSubject): Promise<string> {
    return this.tokens.get(`${orgId}|${connectionId}|${subjectKey(subject)}`, async () => {
      const request: TokenRequest = { connectionId, subject };
      try {
        const result = await this.internal.send(internalRoutes.identity.token, { params: { orgId }, body: request });
        return { token: result.accessToken, expiresAt: Date.parse(result.expiresAt) };
      } catch (error) {
        throw this.translate(error, orgId, connectionId, subject);
      }
    });
  }

  invalidateToken(orgId: string, connectionId: string, subject: TokenSubject): void {
    this.tokens.invalidate(`${orgId}|${connectionId}|${subjectKey(subject)}`);
  }

  async connection(orgId: string, connectionId: string): Promise<TeamsSettings> {
    const key = `${orgId}|${connectionId}`;
    const now = (this.options.now ?? Date.now)();
    const cached = this.settings.get(key);
    if (cached && cached.until > now) return cached.settings;
    let found;
    try {
      found = await this.internal.send(internalRoutes.identity.connection, { params: { orgId, connectionId } });
    } catch (error) {
      if (error instanceof InternalApiError && error.status === 404) throw connectionGone(orgId, connectionId);
      throw error;
    }
    if (found.settings.platform !== 'teams') throw connectionGone(orgId, connectionId);
    this.settings.set(key, { settings: found.settings, until: now + (this.options.settingsTtlMs ?? 30_000) });
    return found.settings;
  }

  /** The home account's password identity keeps for a person (the same answer every time). */
  async guestPassword(orgId: string, personId: string, connectionId: string, homeUserPrincipalName: string): Promise<Secret> {
    try {
      const result = await this.internal.send(internalRoutes.identity.guestPassword, { params: { orgId, personId }, body: { connectionId, homeUserPrincipalName } });
      return new Secret(result.password);
    } catch (error) {
      if (error instanceof InternalApiError && error.status === 404) throw connectionGone(orgId, connectionId);
      throw error;
    }
  }

  private translate(error: unknown, orgId: string, connectionId: string, subject: TokenSubject): unknown {
    if (!(error instanceof InternalApiError)) return error;
    if (error.status === 409 && error.problem.type === NEEDS_ATTENTION_PROBLEM) {
      const reason = typeof error.problem['reason'] === 'string' ? error.problem['reason'] : error.problem.detail ?? 'identity cannot sign in';
      return new NeedsAttentionError(reason, subject);
    }
    if (error.status === 404) {
      return subject.kind === 'person' ? new UnknownToIdentityError(`person ${subject.personId} (or Teams connection ${connectionId})`) : connectionGone(orgId, connectionId);
    }
    return error;
  }
}

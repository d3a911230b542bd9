import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { CacheBackend } from '@parley/cache';
import { Secret } from '@parley/config';
import type { CredentialKey, CredentialStore } from '@parley/identity-credential-vault';
import { NEEDS_ATTENTION_PROBLEM, type TokenRequest, type TokenResult } from '@parley/internal-api';
import type { Logger } from '@parley/observability';
import { inTransaction } from '@parley/persistence';
import { CACHE, DATA_SOURCE, LOGGER, notFound, ProblemException } from '@parley/service-runtime';
import { CREDENTIALS, TOKEN_ENDPOINT } from '../config/identity-config';
import { ConnectionStore, type TeamsConnection } from '../connections/connection-store';
import { firstRow, isUuid } from '../http/sql';
import { clearTeamsAttention, markTeamsAttention } from '../people/standing';
import { attentionReasonFor, type SignInSubject } from './attention-reason';
import { APP_SCOPE, CONSENT_SCOPE, credentialKeys, DELEGATED_DEFAULT_SCOPE, REFRESH_MARGIN_MS } from './credential-keys';
import { readGuestCredential } from './guest-credential';
import { SubjectBusyError, withSubjectLock } from './subject-lock';
import { TokenEndpointError, type TokenEndpointClient, type TokenForm, type TokenGrant } from '@parley/entra-token';

/** How to get a token for one subject, and where it and its refresh token live. */
interface SubjectPlan {
  readonly lockName: string;
  readonly accessKey: CredentialKey;
  readonly refreshKey: CredentialKey | null;
  /** Signs in anew; `refresh` is the stored refresh token when there is one. */
  readonly acquire: (refresh: Secret | null) => Promise<TokenGrant>;
  /** For a person: whose account a refusal marks, and that a success clears. */
  readonly person?: { readonly orgId: string; readonly personId: string; readonly kind: 'guest' | 'native' };
}

/**
 * Access tokens for the connectors: the app (client credentials, customer or home tenant), the team owner (ROPC,
 * then refresh) and people (a guest: ROPC with the home account the first time, then refresh; a consented person:
 * refresh). Tokens are cached sealed and reused while more than 5 minutes are left; the newest refresh token is always
 * stored; requests for one subject are serialized across replicas. A refusal an admin must fix marks the person's
 * Teams account needs_attention and answers 409 NEEDS_ATTENTION_PROBLEM with the reason.
 */
@Injectable()
export class TokenService {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CREDENTIALS) private readonly credentials: CredentialStore,
    @Inject(TOKEN_ENDPOINT) private readonly endpoint: TokenEndpointClient,
    @Inject(CACHE) private readonly cache: CacheBackend,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(ConnectionStore) private readonly connections: ConnectionStore,
  ) {}

  async issue(orgId: string, request: TokenRequest): Promise<TokenResult> {
    const connection = await this.connections.teams(orgId, request.connectionId);
    const plan = await this.plan(connection, request.subject);
    const cached = await this.fresh(plan.accessKey);
    if (cached) return cached;
    try {
      return await withSubjectLock(this.cache.locks, plan.lockName, async () => {
        // Another replica may have refreshed while this one waited.
        const again = await this.fresh(plan.accessKey);
        if (again) return again;
        return this.renew(plan);
      });
    } catch (error) {
      if (error instanceof SubjectBusyError) {
        throw new ProblemException(503, 'subject: another request is signing in as this subject; retry shortly.');
      }
      throw error;
    }
  }

  private async plan(connection: TeamsConnection, subject: TokenRequest['subject']): Promise<SubjectPlan> {
    const { orgId, id, settings } = connection;
    const base = `tokens:${orgId}:${id}`;
    switch (subject.kind) {
      case 'app': {
        const tenant = subject.tenant === 'customer' ? settings.tenantId : settings.homeTenantId;
        return {
          lockName: `${base}:app:${subject.tenant}`,
          accessKey: credentialKeys.appToken(orgId, id, subject.tenant),
          refreshKey: null,
          acquire: async () =>
            this.call('app', async () =>
              this.endpoint.request(settings.authorityUrl, tenant, {
                grant_type: 'client_credentials',
                client_id: settings.clientId,
                client_secret: await connection.secret('clientSecret'),
                scope: APP_SCOPE,
              }),
            ),
        };
      }
      case 'team-owner':
        return {
          lockName: `${base}:team-owner`,
          accessKey: credentialKeys.teamOwnerAccess(orgId, id),
          refreshKey: credentialKeys.teamOwnerRefresh(orgId, id),
          acquire: async (refresh) => {
            const form = async (): Promise<TokenForm> => ({
              grant_type: 'password',
              client_id: settings.clientId,
              client_secret: await connection.secret('clientSecret'),
              username: settings.teamOwnerUsername,
              password: await connection.secret('teamOwnerPassword'),
              scope: DELEGATED_DEFAULT_SCOPE,
            });
            if (refresh) {
              const refreshed = await this.tryRefresh(connection, 'team-owner', refresh, credentialKeys.teamOwnerRefresh(orgId, id), DELEGATED_DEFAULT_SCOPE);
              if (refreshed) return refreshed;
            }
            return this.call('team-owner', async () => this.endpoint.request(settings.authorityUrl, settings.tenantId, await form()));
          },
        };
      case 'person':
        return this.personPlan(connection, subject.personId, base);
    }
  }

  private async personPlan(connection: TeamsConnection, personId: string, base: string): Promise<SubjectPlan> {
    const { orgId, id, settings } = connection;
    const person = isUuid(personId)
      ? await firstRow<{ id: string }>(this.dataSource, `SELECT id FROM identity.people WHERE id = $1 AND org_id = $2`, [personId, orgId])
      : null;
    if (!person) throw notFound('person');
    const guest = await readGuestCredential(this.credentials, this.dataSource, orgId, personId);
    const subject: SignInSubject = guest ? 'guest' : 'consented-person';
    const scope = guest ? DELEGATED_DEFAULT_SCOPE : CONSENT_SCOPE;
    return {
      lockName: `${base}:person:${personId}`,
      accessKey: credentialKeys.personAccess(orgId, personId, id),
      refreshKey: credentialKeys.personRefresh(orgId, personId, id),
      person: { orgId, personId, kind: guest ? 'guest' : 'native' },
      acquire: async (refresh) => {
        if (refresh) {
          if (!guest) return this.call(subject, async () => this.refreshGrant(connection, settings.tenantId, refresh, scope));
          // A guest's credential is Parley's own: when the refresh token has died, sign in again with it.
          const refreshed = await this.tryRefresh(connection, subject, refresh, credentialKeys.personRefresh(orgId, personId, id), scope);
          if (refreshed) return refreshed;
        }
        if (!guest) {
          throw new ProblemException(409, noCredentialReason, NEEDS_ATTENTION_PROBLEM, undefined, { reason: noCredentialReason });
        }
        return this.call(subject, async () =>
          this.endpoint.request(settings.authorityUrl, settings.tenantId, {
            grant_type: 'password',
            client_id: settings.clientId,
            client_secret: await connection.secret('clientSecret'),
            username: guest.userPrincipalName,
            password: guest.password,
            scope,
          }),
        );
      },
    };
  }

  /** Signs in and stores the result; a refusal an admin must fix is recorded and answered as 409. */
  private async renew(plan: SubjectPlan): Promise<TokenResult> {
    const refresh = plan.refreshKey ? ((await this.credentials.get(this.dataSource, plan.refreshKey))?.plaintext ?? null) : null;
    let grant: TokenGrant;
    try {
      grant = await plan.acquire(refresh);
    } catch (error) {
      if (error instanceof NeedsAttention) throw await this.recordAttention(plan, error);
      throw error;
    }
    const expiresAt = new Date(Date.now() + grant.expiresInSeconds * 1000);
    await inTransaction(this.dataSource, async (manager) => {
      await this.credentials.put(manager, { ...plan.accessKey, plaintext: grant.accessToken, expiresAt });
      if (plan.refreshKey && grant.refreshToken) await this.credentials.put(manager, { ...plan.refreshKey, plaintext: grant.refreshToken });
      if (plan.person) await clearTeamsAttention(manager, plan.person.orgId, plan.person.personId);
    });
    return { accessToken: grant.accessToken.reveal(), expiresAt: expiresAt.toISOString() };
  }

  private async recordAttention(plan: SubjectPlan, failure: NeedsAttention): Promise<ProblemException> {
    await inTransaction(this.dataSource, async (manager) => {
      // A dead refresh token is never tried again; the cached access token is useless now too.
      if (failure.refreshTokenDead && plan.refreshKey) await this.credentials.delete(manager, plan.refreshKey);
      await this.credentials.delete(manager, plan.accessKey);
      if (plan.person && failure.marksAccount) {
        await markTeamsAttention(manager, plan.person, failure.reason, plan.person.kind === 'native' && failure.refreshTokenDead);
      }
    });
    this.logger.warn(
      { orgId: plan.accessKey.orgId, subject: plan.lockName.split(':').slice(3).join(':'), aadsts: failure.aadsts, reason: failure.reason },
      'sign-in needs an admin',
    );
    return new ProblemException(409, failure.reason, NEEDS_ATTENTION_PROBLEM, undefined, { reason: failure.reason });
  }

  /**
   * A refresh for a subject whose own credential Parley holds (a guest, the team owner): when the refresh token is
   * refused (invalid_grant) it is deleted and null tells the caller to sign in again; other failures propagate.
   */
  private async tryRefresh(
    connection: TeamsConnection,
    subject: SignInSubject,
    refresh: Secret,
    refreshKey: CredentialKey,
    scope: string,
  ): Promise<TokenGrant | null> {
    try {
      return await this.refreshGrant(connection, connection.settings.tenantId, refresh, scope);
    } catch (error) {
      if (error instanceof TokenEndpointError && error.kind === 'rejected' && error.error === 'invalid_grant') {
        await this.credentials.delete(this.dataSource, refreshKey);
        return null;
      }
      throw this.translate(error, subject);
    }
  }

  private async refreshGrant(connection: TeamsConnection, tenant: string, refresh: Secret, scope: string): Promise<TokenGrant> {
    return this.endpoint.request(connection.settings.authorityUrl, tenant, {
      grant_type: 'refresh_token',
      client_id: connection.settings.clientId,
      client_secret: await connection.secret('clientSecret'),
      refresh_token: refresh,
      scope,
    });
  }

  private async call(subject: SignInSubject, request: () => Promise<TokenGrant>): Promise<TokenGrant> {
    try {
      return await request();
    } catch (error) {
      throw this.translate(error, subject);
    }
  }

  /** Token endpoint errors become NeedsAttention (an admin must act) or a 502 (try again later). */
  private translate(error: unknown, subject: SignInSubject): unknown {
    if (!(error instanceof TokenEndpointError)) return error;
    const verdict = attentionReasonFor(error, subject);
    if (!verdict) {
      this.logger.warn({ error: error.message }, 'token endpoint unavailable');
      return new ProblemException(502, "subject: Microsoft's token endpoint did not answer usefully; retry later.");
    }
    return new NeedsAttention(verdict.reason, verdict.marksAccount, verdict.refreshTokenDead, error.aadsts);
  }

  private async fresh(key: CredentialKey): Promise<TokenResult | null> {
    const cached = await this.credentials.get(this.dataSource, key);
    if (!cached?.expiresAt || cached.expiresAt.getTime() - Date.now() < REFRESH_MARGIN_MS) return null;
    return { accessToken: cached.plaintext.reveal(), expiresAt: cached.expiresAt.toISOString() };
  }
}

const noCredentialReason =
  'Parley holds no delegated credential for this person: run a guest sync (guest mode) or have them open their consent link (Account Sync).';

class NeedsAttention extends Error {
  constructor(
    readonly reason: string,
    readonly marksAccount: boolean,
    readonly refreshTokenDead: boolean,
    readonly aadsts: number | null,
  ) {
    super(reason);
    this.name = 'NeedsAttention';
  }
}

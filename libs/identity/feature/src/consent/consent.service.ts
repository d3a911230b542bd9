import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { CredentialStore } from '@parley/identity-credential-vault';
import type { Logger } from '@parley/observability';
import { inTransaction } from '@parley/persistence';
import { DATA_SOURCE, LOGGER, notFound, ProblemException } from '@parley/service-runtime';
import { CREDENTIALS, IDENTITY_SETTINGS, TOKEN_ENDPOINT, type IdentitySettings } from '../config/identity-config';
import { ConnectionStore } from '../connections/connection-store';
import { badRequest, conflict } from '../http/problem';
import { firstRow } from '../http/sql';
import { PeopleStore } from '../people/people-store';
import { ConsentRequests } from './consent-requests';
import { CONSENT_SCOPE, credentialKeys } from '../tokens/credential-keys';
import { TokenEndpointError, type TokenEndpointClient, type TokenGrant } from '@parley/entra-token';

/**
 * Account Sync consent: a link to the authorization-code flow with a random, single-use state bound to the person,
 * the connection and the redirect URI; completing it redeems the code, keeps the refresh token sealed and marks the
 * person's native Teams account consented.
 */
@Injectable()
export class ConsentService {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CREDENTIALS) private readonly credentials: CredentialStore,
    @Inject(TOKEN_ENDPOINT) private readonly endpoint: TokenEndpointClient,
    @Inject(IDENTITY_SETTINGS) private readonly settings: IdentitySettings,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(ConnectionStore) private readonly connections: ConnectionStore,
    @Inject(PeopleStore) private readonly people: PeopleStore,
    @Inject(ConsentRequests) private readonly requests: ConsentRequests,
  ) {}

  async link(orgId: string, personId: string, redirectUri: string): Promise<{ url: string; expiresAt: string }> {
    const person = await this.people.find(this.dataSource, orgId, personId);
    if (!person) throw notFound('person');
    const connection = await this.connections.liveTeams(orgId);
    if (!connection) throw conflict('The organization has no Teams connection: connect Teams before asking people for consent.');
    const native = await firstRow<{ user_principal_name: string | null }>(
      this.dataSource,
      `SELECT user_principal_name FROM identity.platform_accounts WHERE person_id = $1 AND platform = 'teams' AND kind = 'native'`,
      [personId],
    );
    if (!native) throw conflict('The person has no Teams account of their own to consent with: use guest mode for them.');
    const { state, expiresAt } = await this.requests.issue(this.dataSource, {
      platform: 'teams',
      orgId,
      personId,
      connectionId: connection.id,
      redirectUri,
      ttlSeconds: this.settings.consentTtlSeconds,
    });
    const { settings } = connection;
    const url = new URL(`${settings.authorityUrl.replace(/\/+$/, '')}/${encodeURIComponent(settings.tenantId)}/oauth2/v2.0/authorize`);
    url.search = new URLSearchParams({
      client_id: settings.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      response_mode: 'query',
      scope: CONSENT_SCOPE,
      state,
      login_hint: native.user_principal_name ?? person.email,
    }).toString();
    return { url: url.toString(), expiresAt: expiresAt.toISOString() };
  }

  async complete(code: string, state: string): Promise<{ orgId: string; personId: string; email: string }> {
    // Claimed before the code is redeemed: a state works once, whatever happens next.
    const request = await this.requests.claim(this.dataSource, 'teams', state);
    let connection;
    try {
      connection = await this.connections.teams(request.org_id, request.connection_id);
    } catch (error) {
      if (error instanceof ProblemException && error.getStatus() === 404) throw badRequest('state: the Teams connection this link was made for was deleted; ask for a new link.', 'state');
      throw error;
    }
    const { settings } = connection;
    let grant: TokenGrant;
    try {
      grant = await this.endpoint.request(settings.authorityUrl, settings.tenantId, {
        grant_type: 'authorization_code',
        client_id: settings.clientId,
        client_secret: await connection.secret('clientSecret'),
        code,
        redirect_uri: request.redirect_uri,
        scope: CONSENT_SCOPE,
      });
    } catch (error) {
      if (error instanceof TokenEndpointError && error.kind === 'rejected') {
        throw badRequest(`code: Microsoft refused the authorization code (${error.error}${error.aadsts ? `, AADSTS${error.aadsts}` : ''}); open a new consent link.`, 'code');
      }
      if (error instanceof TokenEndpointError) throw new ProblemException(502, "code: Microsoft's token endpoint did not answer usefully; open a new consent link later.");
      throw error;
    }
    if (!grant.refreshToken) throw badRequest('code: Microsoft answered without a refresh token (was offline_access refused?); open a new consent link.', 'code');
    const refreshToken = grant.refreshToken;
    const expiresAt = new Date(Date.now() + grant.expiresInSeconds * 1000);
    const person = await inTransaction(this.dataSource, async (manager) => {
      await this.credentials.put(manager, { ...credentialKeys.personRefresh(request.org_id, request.person_id, connection.id), plaintext: refreshToken });
      await this.credentials.put(manager, { ...credentialKeys.personAccess(request.org_id, request.person_id, connection.id), plaintext: grant.accessToken, expiresAt });
      await manager.query(
        `UPDATE identity.platform_accounts
            SET consented = true, updated_at = now(),
                status = CASE WHEN status = 'needs_attention' THEN 'active' ELSE status END,
                attention_reason = CASE WHEN status = 'needs_attention' THEN NULL ELSE attention_reason END
          WHERE person_id = $1 AND org_id = $2 AND platform = 'teams' AND kind = 'native'`,
        [request.person_id, request.org_id],
      );
      return firstRow<{ email: string }>(manager, `SELECT email FROM identity.people WHERE id = $1`, [request.person_id]);
    });
    if (!person) throw notFound('person');
    this.logger.info({ orgId: request.org_id, personId: request.person_id }, 'Account Sync consent stored');
    return { orgId: request.org_id, personId: request.person_id, email: person.email };
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { CredentialStore } from '@parley/identity-credential-vault';
import { NEEDS_ATTENTION_PROBLEM, SLACK_CONSENT_WRONG_ACCOUNT_PROBLEM, type SlackUserTokenRequest, type SlackUserTokenResult } from '@parley/internal-api';
import type { Logger } from '@parley/observability';
import { inTransaction } from '@parley/persistence';
import { DATA_SOURCE, LOGGER, notFound, ProblemException } from '@parley/service-runtime';
import { CREDENTIALS, IDENTITY_SETTINGS, type IdentitySettings } from '../config/identity-config';
import { ConnectionStore, type SlackConnection } from '../connections/connection-store';
import { badRequest, conflict } from '../http/problem';
import { firstRow, isUuid, type Sql } from '../http/sql';
import { PeopleStore } from '../people/people-store';
import { ConsentRequests, type ClaimedConsent } from '../consent/consent-requests';
import { credentialKeys, SLACK_USER_SCOPES } from '../tokens/credential-keys';
import { SLACK_OAUTH } from './slack-oauth.provider';
import { SlackOAuthError, slackAuthorizeUrl, type SlackOAuthClient, type SlackUserGrant } from './slack-oauth';

/** The Slack account Parley speaks as for a Teams-primary person: their native account, or the SCIM mirror it made. */
interface SlackAccountRow {
  platform_user_id: string;
  consented: boolean;
}

/**
 * Slack consent: Slack has no password grant, so Parley speaks as a Teams-primary person on Slack only with the user
 * token they grant once (OAuth v2 user scopes). A link carries a random single-use state bound to the person, the
 * Slack connection and the redirect URI (stored hashed, with an expiry, in `identity.consent_requests` as the Teams
 * flow's are); completing it redeems the code, checks Slack signed in the person's own Slack account, seals the
 * user token and marks that account consented.
 */
@Injectable()
export class SlackConsentService {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CREDENTIALS) private readonly credentials: CredentialStore,
    @Inject(SLACK_OAUTH) private readonly oauth: SlackOAuthClient,
    @Inject(IDENTITY_SETTINGS) private readonly settings: IdentitySettings,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(ConnectionStore) private readonly connections: ConnectionStore,
    @Inject(PeopleStore) private readonly people: PeopleStore,
    @Inject(ConsentRequests) private readonly requests: ConsentRequests,
  ) {}

  async link(orgId: string, personId: string, redirectUri: string): Promise<{ url: string; expiresAt: string }> {
    const person = await this.people.find(this.dataSource, orgId, personId);
    if (!person) throw notFound('person');
    const connection = await this.connections.liveSlack(orgId);
    if (!connection) throw conflict('The organization has no Slack connection: connect Slack before asking people for their Slack consent.');
    const clientId = connection.settings.clientId;
    if (!clientId || !(await connection.clientSecret())) {
      throw conflict("The Slack connection has no app client id and secret: reconnect Slack with the app's clientId and clientSecret to ask people for consent.");
    }
    if (person.primary_platform !== 'teams') {
      throw conflict('Parley never speaks for a person on their primary platform: Slack consent is for Teams-primary people.');
    }
    if (!(await slackAccountOf(this.dataSource, orgId, personId))) {
      throw conflict('The person has no Slack account Parley can speak as yet (no native account, no SCIM mirror): run a user sync first.');
    }
    const { state, expiresAt } = await this.requests.issue(this.dataSource, {
      platform: 'slack',
      orgId,
      personId,
      connectionId: connection.id,
      redirectUri,
      ttlSeconds: this.settings.consentTtlSeconds,
    });
    const url = slackAuthorizeUrl(connection.settings.apiUrl);
    url.search = new URLSearchParams({
      client_id: clientId,
      // User scopes only: the bot is installed already, and asking for bot scopes would reinstall it.
      user_scope: SLACK_USER_SCOPES.join(','),
      redirect_uri: redirectUri,
      state,
      team: connection.settings.teamId,
    }).toString();
    return { url: url.toString(), expiresAt: expiresAt.toISOString() };
  }

  async complete(code: string, state: string): Promise<{ orgId: string; personId: string; email: string }> {
    // Claimed before the code is redeemed: a state works once, whatever happens next.
    const request = await this.requests.claim(this.dataSource, 'slack', state);
    const connection = await this.connectionFor(request);
    const clientId = connection.settings.clientId;
    const clientSecret = await connection.clientSecret();
    if (!clientId || !clientSecret) throw badRequest('state: the Slack connection no longer has the app client credentials; ask for a new link.', 'state');

    let grant: SlackUserGrant;
    try {
      grant = await this.oauth.access(connection.settings.apiUrl, { id: clientId, secret: clientSecret }, code, request.redirect_uri);
    } catch (error) {
      if (error instanceof SlackOAuthError && error.error) throw badRequest(`code: Slack refused the authorization code (${error.error}); open a new consent link.`, 'code');
      if (error instanceof SlackOAuthError) throw new ProblemException(502, "code: Slack's oauth.v2.access did not answer usefully; open a new consent link later.");
      throw error;
    }

    const account = await slackAccountOf(this.dataSource, request.org_id, request.person_id);
    if (!account || account.platform_user_id !== grant.slackUserId) {
      // Someone approved while signed in to Slack as another person: their token is not this person's voice.
      this.logger.warn({ orgId: request.org_id, personId: request.person_id }, 'Slack consent signed in as another Slack account; nothing stored');
      throw conflict(
        'code: Slack signed in another Slack account than the person\'s own; sign in to Slack as yourself and open a new consent link.',
        SLACK_CONSENT_WRONG_ACCOUNT_PROBLEM,
      );
    }

    const person = await inTransaction(this.dataSource, async (manager) => {
      await this.credentials.put(manager, { ...credentialKeys.slackUserToken(request.org_id, request.person_id, connection.id), plaintext: grant.accessToken });
      await manager.query(
        `UPDATE identity.platform_accounts
            SET consented = true, updated_at = now(),
                status = CASE WHEN status = 'needs_attention' THEN 'active' ELSE status END,
                attention_reason = CASE WHEN status = 'needs_attention' THEN NULL ELSE attention_reason END
          WHERE person_id = $1 AND org_id = $2 AND platform = 'slack' AND platform_user_id = $3`,
        [request.person_id, request.org_id, grant.slackUserId],
      );
      return firstRow<{ email: string }>(manager, `SELECT email FROM identity.people WHERE id = $1`, [request.person_id]);
    });
    if (!person) throw notFound('person');
    this.logger.info({ orgId: request.org_id, personId: request.person_id, scopes: grant.scopes }, 'Slack consent stored');
    return { orgId: request.org_id, personId: request.person_id, email: person.email };
  }

  /** The person's Slack user token for slack-connector; 409 needs-attention until they consent. */
  async userToken(orgId: string, request: SlackUserTokenRequest): Promise<SlackUserTokenResult> {
    const connection = await this.connections.slack(orgId, request.connectionId);
    // By Slack account: the events of a consented person's DMs name them by their Slack user id only.
    const personId = request.personId ?? (request.slackUserId ? await personOfSlackAccount(this.dataSource, orgId, request.slackUserId) : undefined);
    if (!personId || !isUuid(personId) || !(await this.people.find(this.dataSource, orgId, personId))) throw notFound('person');
    const account = await slackAccountOf(this.dataSource, orgId, personId);
    const credential = account?.consented
      ? await this.credentials.get(this.dataSource, credentialKeys.slackUserToken(orgId, personId, connection.id))
      : null;
    if (!account || !credential) {
      const reason = 'The person has not given Parley their Slack consent yet: send them their Slack consent link (GET /v1/people/{id}/consent-link?platform=slack).';
      throw new ProblemException(409, reason, NEEDS_ATTENTION_PROBLEM, undefined, { reason });
    }
    return { accessToken: credential.plaintext.reveal(), slackUserId: account.platform_user_id, personId };
  }

  private async connectionFor(request: ClaimedConsent): Promise<SlackConnection> {
    try {
      return await this.connections.slack(request.org_id, request.connection_id);
    } catch (error) {
      if (error instanceof ProblemException && error.getStatus() === 404) throw badRequest('state: the Slack connection this link was made for was deleted; ask for a new link.', 'state');
      throw error;
    }
  }
}

/** The person whose Slack account (native or SCIM mirror) this Slack user id is, if any. */
async function personOfSlackAccount(db: Sql, orgId: string, slackUserId: string): Promise<string | undefined> {
  const row = await firstRow<{ person_id: string }>(
    db,
    `SELECT person_id FROM identity.platform_accounts
      WHERE org_id = $1 AND platform = 'slack' AND platform_user_id = $2 AND (kind = 'native' OR (kind = 'mirror' AND mirror_kind = 'scim'))
      ORDER BY kind = 'native' DESC LIMIT 1`,
    [orgId, slackUserId],
  );
  return row?.person_id;
}

/** The Slack account Parley would speak as: native, or a SCIM mirror (a profile mirror is no Slack user). */
function slackAccountOf(db: Sql, orgId: string, personId: string): Promise<SlackAccountRow | null> {
  return firstRow<SlackAccountRow>(
    db,
    `SELECT platform_user_id, consented FROM identity.platform_accounts
      WHERE org_id = $1 AND person_id = $2 AND platform = 'slack' AND platform_user_id IS NOT NULL
        AND (kind = 'native' OR (kind = 'mirror' AND mirror_kind = 'scim'))
      ORDER BY kind = 'native' DESC LIMIT 1`,
    [orgId, personId],
  );
}

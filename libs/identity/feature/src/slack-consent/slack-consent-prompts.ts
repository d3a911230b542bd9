import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from '@parley/observability';
import type { Outbox } from '@parley/persistence';
import { DATA_SOURCE, LOGGER, OUTBOX } from '@parley/service-runtime';
import { IDENTITY_PUBLIC_URL, IDENTITY_SETTINGS, type IdentitySettings } from '../config/identity-config';
import { ConnectionStore } from '../connections/connection-store';
import { badRequest } from '../http/problem';
import { firstRow, rows } from '../http/sql';
import { SlackConsentService } from './slack-consent.service';

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Where a prompt's link points: the gateway trades the token for a fresh consent state and sends the browser to Slack. */
export function slackConsentPromptUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/auth/slack/start?${new URLSearchParams({ prompt: token }).toString()}`;
}

interface DuePerson {
  person_id: string;
  teams_user_id: string;
}

/**
 * The Teams-primary people Parley still needs a Slack voice for, and can ask: an active Teams account to prompt
 * them on, a Slack account (native, or the SCIM mirror Parley made) they have not consented for, and no prompt yet.
 */
const DUE_PEOPLE = `
  SELECT p.id AS person_id, t.platform_user_id AS teams_user_id
    FROM identity.people p
    JOIN identity.platform_accounts s
      ON s.person_id = p.id AND s.platform = 'slack' AND s.platform_user_id IS NOT NULL AND s.status = 'active'
     AND NOT s.consented AND (s.kind = 'native' OR (s.kind = 'mirror' AND s.mirror_kind = 'scim'))
    JOIN identity.platform_accounts t
      ON t.person_id = p.id AND t.platform = 'teams' AND t.kind = 'native' AND t.status = 'active' AND t.platform_user_id IS NOT NULL
   WHERE p.org_id = $1 AND p.primary_platform = 'teams' AND p.status = 'active'
     AND ($2::uuid IS NULL OR p.id = $2::uuid)
     AND NOT EXISTS (SELECT 1 FROM identity.consent_prompts c WHERE c.org_id = p.org_id AND c.person_id = p.id AND c.platform = 'slack')`;

/**
 * Parley asks each Teams-primary person once, on Teams, for the Slack consent it needs to speak as them (relay.md).
 * The prompt is a parley.teams.notice.requested.v1 that teams-connector posts from the connection's service account;
 * its link carries a long-lived prompt token (kept hashed), which the gateway trades for a fresh single-use consent
 * state when the person clicks. Nothing is prompted while the Slack connection lacks the app's client credentials
 * (consent could not complete); a later user sync prompts then.
 */
@Injectable()
export class SlackConsentPrompts {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(ConnectionStore) private readonly connections: ConnectionStore,
    @Inject(SlackConsentService) private readonly consent: SlackConsentService,
    @Inject(IDENTITY_SETTINGS) private readonly settings: IdentitySettings,
    @Inject(IDENTITY_PUBLIC_URL) private readonly publicUrl: string,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** In the caller's transaction (the one that gave the person their Slack account): prompts them if it is due. */
  async promptIfDue(manager: EntityManager, orgId: string, personId: string): Promise<number> {
    return this.prompt(manager, orgId, personId);
  }

  /** Every due person of the organization, in the caller's transaction (a directory import's reconciliation). */
  async promptIn(manager: EntityManager, orgId: string): Promise<number> {
    return this.prompt(manager, orgId, null);
  }

  /**
   * The gateway's `/auth/slack/start`: a fresh Slack consent link for the prompt's person. An unknown or expired
   * token is a 400 naming `prompt`.
   */
  async redeem(token: string, redirectUri: string): Promise<{ url: string; expiresAt: string }> {
    const prompt = await firstRow<{ org_id: string; person_id: string }>(
      this.dataSource.manager,
      `SELECT org_id, person_id FROM identity.consent_prompts WHERE token_hash = $1 AND platform = 'slack' AND expires_at > now()`,
      [hashToken(token)],
    );
    if (!prompt) throw badRequest('prompt: this Slack consent link is unknown or has expired; ask your admin for a new one.', 'prompt');
    return this.consent.link(prompt.org_id, prompt.person_id, redirectUri);
  }

  private async prompt(manager: EntityManager, orgId: string, personId: string | null): Promise<number> {
    const due = await rows<DuePerson>(manager, DUE_PEOPLE, [orgId, personId]);
    if (due.length === 0) return 0;
    const [slack, teams] = await Promise.all([this.connections.liveSlack(orgId, manager), this.connections.liveTeams(orgId, manager)]);
    if (!teams) return 0;
    // The client id only: the connection stores it together with its secret (slackConnectionInput), and reading the
    // secret would take a second database connection while this transaction holds one (on the embedded database,
    // one session shared by all, that waits forever).
    if (!slack?.settings.clientId) {
      this.logger.info({ orgId, waiting: due.length }, 'slack consent prompts wait: the Slack connection has no app client id and secret');
      return 0;
    }
    const expiresAt = new Date(Date.now() + this.settings.consentPromptTtlSeconds * 1000);
    let prompted = 0;
    for (const person of due) {
      const token = randomBytes(32).toString('base64url');
      const inserted = await rows<{ person_id: string }>(
        manager,
        `INSERT INTO identity.consent_prompts (org_id, person_id, platform, token_hash, expires_at) VALUES ($1, $2, 'slack', $3, $4)
         ON CONFLICT DO NOTHING RETURNING person_id`,
        [orgId, person.person_id, hashToken(token), expiresAt],
      );
      if (inserted.length === 0) continue;
      await this.outbox.enqueue(manager, 'parley.teams.notice.requested.v1', {
        orgId,
        connectionId: teams.id,
        noticeId: randomUUID(),
        recipientPersonId: person.person_id,
        recipientPlatformUserId: person.teams_user_id,
        reason: 'consent-needed',
        text: 'Your colleagues on Slack see you through Parley. To let Parley post your messages on Slack as you, connect your Slack account once.',
        link: { url: slackConsentPromptUrl(this.publicUrl, token), label: 'Connect Slack' },
        requestedAt: new Date().toISOString(),
      });
      prompted++;
    }
    if (prompted > 0) this.logger.info({ orgId, prompted }, 'slack consent prompts requested');
    return prompted;
  }
}

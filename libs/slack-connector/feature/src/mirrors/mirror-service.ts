import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { Payload } from '@parley/contracts';
import type { Logger } from '@parley/observability';
import type { IdempotentConsumer, Outbox } from '@parley/persistence';
import { DATA_SOURCE, IDEMPOTENT_CONSUMER, LOGGER, OUTBOX } from '@parley/service-runtime';
import { describeForAdmin, primaryEmailOf, ScimRequestError, type ScimClient, type ScimUser } from '@parley/slack-connector-slack-access';
import { SLACK_CONNECTOR_CONFIG, type SlackConnectorConfig } from '../config';
import { SlackClients } from '../connections/slack-clients';
import { ConnectionNotFoundError, NotASlackConnectionError, SlackConnections, type SlackConnection, type SlackConnectionSettings } from '../connections/slack-connections';
import { deriveUserName, splitName } from './user-name';
import { queryReturning } from '@parley/persistence';

type CreateRequest = Payload<'parley.slack.mirror.create.requested.v1'>;
type DeactivateRequest = Payload<'parley.slack.mirror.deactivate.requested.v1'>;

const CREATE_CONSUMER = 'slack-connector.mirror-create';
const DEACTIVATE_CONSUMER = 'slack-connector.mirror-deactivate';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A refusal no retry can fix; it becomes parley.slack.mirror.failed.v1 with retryable false. */
class MirrorRefused extends Error {}

const MIRROR_TAKEN_CONSTRAINT = 'scim_mirrors_team_id_slack_user_id_key';

/** PostgreSQL's unique violation of "one mirror record per Slack account in a workspace". */
function isMirrorTakenError(error: unknown): boolean {
  const driver = (error as { driverError?: { code?: unknown; constraint?: unknown } }).driverError ?? (error as { code?: unknown; constraint?: unknown });
  return driver.code === '23505' && driver.constraint === MIRROR_TAKEN_CONSTRAINT;
}

/** The Slack account is the person's: it carries their email, or the user name Parley gave it. */
function belongsTo(user: ScimUser, email: string, recordedUserName: string): boolean {
  return user.emails.some((e) => e.value.trim().toLowerCase() === email) || primaryEmailOf(user) === email || user.userName === recordedUserName;
}

interface ScimOutcome {
  readonly user: ScimUser;
  readonly userName: string;
  readonly reused: boolean;
}

/**
 * Represents Teams-primary people on Slack. With SCIM (Business+ / Enterprise), a Slack guest user found or made
 * through SCIM; without, a profile mirror (name and avatar for the app's impersonated posts) kept here. Every step
 * first looks for what an earlier attempt did, so a replayed command never makes a second account.
 */
@Injectable()
export class MirrorService {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(OUTBOX) private readonly outbox: Outbox,
    @Inject(IDEMPOTENT_CONSUMER) private readonly idempotent: IdempotentConsumer,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SLACK_CONNECTOR_CONFIG) private readonly config: SlackConnectorConfig,
    private readonly connections: SlackConnections,
    private readonly clients: SlackClients,
  ) {}

  async create(request: CreateRequest, eventId: string): Promise<void> {
    try {
      // A profile mirror is a row of ours: it needs the connection's settings, not its tokens.
      const { settings } = await this.connection(request.orgId, request.connectionId, 'settings');
      if (settings.scim) await this.createScimMirror(await this.connection(request.orgId, request.connectionId, 'tokens'), request, eventId);
      else await this.createProfileMirror(request, eventId);
    } catch (error) {
      const reason = this.refusalReason(error);
      if (reason === undefined) throw error;
      await this.failed(CREATE_CONSUMER, eventId, request, 'create', reason);
    }
  }

  async deactivate(request: DeactivateRequest, eventId: string): Promise<void> {
    try {
      if (request.kind === 'scim') await this.deactivateScimMirror(request, eventId);
      else await this.deactivateProfileMirror(request, eventId);
    } catch (error) {
      const reason = this.refusalReason(error);
      if (reason === undefined) throw error;
      await this.failed(DEACTIVATE_CONSUMER, eventId, request, 'deactivate', reason);
    }
  }

  // ---- SCIM mirrors ------------------------------------------------------------------------------------------

  private async createScimMirror(connection: SlackConnection, request: CreateRequest, eventId: string): Promise<void> {
    const scim = this.scimOf(connection);
    const outcome = await this.ensureScimUser(scim, connection, request);
    await this.idempotent.run(CREATE_CONSUMER, eventId, async (manager) => {
      try {
        await manager.query(
          `INSERT INTO slack_connector.scim_mirrors (org_id, team_id, person_id, connection_id, slack_user_id, user_name, email, active)
           VALUES ($1, $2, $3, $4, $5, $6, $7, true)
           ON CONFLICT (org_id, team_id, person_id) DO UPDATE
             SET slack_user_id = EXCLUDED.slack_user_id, user_name = EXCLUDED.user_name, email = EXCLUDED.email,
                 connection_id = EXCLUDED.connection_id, active = true, updated_at = now()`,
          [request.orgId, connection.settings.teamId, request.personId, connection.id, outcome.user.id, outcome.userName, request.email],
        );
      } catch (error) {
        // The Slack account is already recorded as another person's mirror (another organization on this workspace,
        // or a person identity made again): no retry changes that, so it is an admin's to sort out, not a dead letter.
        if (!isMirrorTakenError(error)) throw error;
        throw new MirrorRefused(
          `the Slack account ${outcome.user.id} (${outcome.userName}) found for ${request.email} is already the mirror of another Parley person in workspace ${connection.settings.teamId}`,
        );
      }
      await this.outbox.enqueue(manager, 'parley.slack.mirror.created.v1', {
        orgId: request.orgId,
        syncId: request.syncId,
        personId: request.personId,
        kind: 'scim',
        mirrorId: outcome.user.id,
        reused: outcome.reused,
      });
    });
    this.logger.info({ personId: request.personId, slackUserId: outcome.user.id, reused: outcome.reused }, 'SCIM mirror ready');
  }

  /** Finds the person's Slack account from an earlier attempt (recorded id, userName, email) or creates it. */
  private async ensureScimUser(scim: ScimClient, connection: SlackConnection, request: CreateRequest): Promise<ScimOutcome> {
    const email = request.email.toLowerCase();
    const recorded: { slack_user_id: string; user_name: string }[] = await this.dataSource.query(
      'SELECT slack_user_id, user_name FROM slack_connector.scim_mirrors WHERE org_id = $1 AND team_id = $2 AND person_id = $3',
      [request.orgId, connection.settings.teamId, request.personId],
    );
    if (recorded[0]) {
      const user = await scim.getUser(recorded[0].slack_user_id);
      // Only while it is still this person's account: Slack may have lost it (a workspace restored, a sandbox reset)
      // and the id may now name someone else; then the account is looked for or made again below.
      if (user && belongsTo(user, email, recorded[0].user_name)) return { user: await this.activated(scim, user), userName: user.userName || recorded[0].user_name, reused: true };
      this.logger.warn({ personId: request.personId, slackUserId: recorded[0].slack_user_id }, 'the recorded SCIM mirror is gone or is no longer this person; looking again');
    }

    const plainName = deriveUserName(email);
    const found = await this.findByUserNameOrEmail(scim, plainName, email);
    if (found) return { user: await this.activated(scim, found), userName: found.userName || plainName, reused: true };

    const { givenName, familyName } = splitName(request.displayName);
    const guest = this.config.scimMirrorType === 'member' ? undefined : this.config.scimMirrorType === 'single-channel-guest' ? 'single' : 'multi';
    for (const userName of [plainName, deriveUserName(email, request.personId)]) {
      try {
        const user = await scim.createUser({ userName, email, displayName: request.displayName, givenName, familyName, guest });
        return { user, userName, reused: false };
      } catch (error) {
        if (!(error instanceof ScimRequestError && error.status === 409)) throw error;
        // Someone made this account meanwhile (another replica, an admin), or the handle belongs to someone else.
        const raced = await this.findByUserNameOrEmail(scim, userName, email);
        if (raced) return { user: await this.activated(scim, raced), userName: raced.userName || userName, reused: true };
        this.logger.info({ personId: request.personId, userName, detail: error.detail }, 'SCIM userName taken by someone else, trying a variant');
      }
    }
    throw new MirrorRefused(`Slack SCIM would not create a user for ${email}: the derived user names are taken by other people`);
  }

  private async findByUserNameOrEmail(scim: ScimClient, userName: string, email: string): Promise<ScimUser | undefined> {
    const hasEmail = (u: ScimUser) => primaryEmailOf(u) === email || u.emails.some((e) => e.value.trim().toLowerCase() === email);
    const byName = (await scim.findByUserName(userName)).find(hasEmail);
    if (byName) return byName;
    return (await scim.findByEmail(email)).find(hasEmail);
  }

  private async activated(scim: ScimClient, user: ScimUser): Promise<ScimUser> {
    if (user.active) return user;
    this.logger.info({ slackUserId: user.id }, 'reactivating a deactivated SCIM mirror');
    return scim.setActive(user.id, true);
  }

  private async deactivateScimMirror(request: DeactivateRequest, eventId: string): Promise<void> {
    const connection = await this.connection(request.orgId, request.connectionId, 'tokens');
    const result = await this.scimOf(connection).deactivate(request.mirrorId);
    if (result === 'not_found') this.logger.warn({ slackUserId: request.mirrorId }, 'Slack does not know the SCIM mirror; nothing to deactivate');
    await this.idempotent.run(DEACTIVATE_CONSUMER, eventId, async (manager) => {
      await manager.query(
        'UPDATE slack_connector.scim_mirrors SET active = false, updated_at = now() WHERE team_id = $1 AND slack_user_id = $2',
        [connection.settings.teamId, request.mirrorId],
      );
      await this.deactivated(manager, request);
    });
  }

  private scimOf(connection: SlackConnection): ScimClient {
    const scim = this.clients.scimFor(connection);
    if (!scim) throw new MirrorRefused('the Slack connection has no SCIM token: connect Slack again with an admin SCIM token');
    return scim;
  }

  // ---- profile mirrors ---------------------------------------------------------------------------------------

  private async createProfileMirror(request: CreateRequest, eventId: string): Promise<void> {
    let mirror: { id: string; reused: boolean } | undefined;
    await this.idempotent.run(CREATE_CONSUMER, eventId, async (manager) => {
      // xmax = 0 only for a freshly inserted row: tells a new mirror from one an earlier attempt made.
      const rows: { id: string; inserted: boolean }[] = await manager.query(
        `INSERT INTO slack_connector.profile_mirrors (org_id, person_id, connection_id, email, display_name, avatar_url, active)
         VALUES ($1, $2, $3, $4, $5, $6, true)
         ON CONFLICT (org_id, person_id) DO UPDATE
           SET connection_id = EXCLUDED.connection_id, email = EXCLUDED.email, display_name = EXCLUDED.display_name,
               avatar_url = EXCLUDED.avatar_url, active = true, updated_at = now()
         RETURNING id, (xmax = 0) AS inserted`,
        [request.orgId, request.personId, request.connectionId, request.email, request.displayName, request.avatarUrl ?? null],
      );
      const row = rows[0];
      if (!row) throw new Error('profile mirror upsert returned no row');
      mirror = { id: row.id, reused: !row.inserted };
      await this.outbox.enqueue(manager, 'parley.slack.mirror.created.v1', {
        orgId: request.orgId,
        syncId: request.syncId,
        personId: request.personId,
        kind: 'profile',
        mirrorId: row.id,
        reused: !row.inserted,
      });
    });
    if (mirror) this.logger.info({ personId: request.personId, mirrorId: mirror.id, reused: mirror.reused }, 'profile mirror ready');
  }

  private async deactivateProfileMirror(request: DeactivateRequest, eventId: string): Promise<void> {
    await this.idempotent.run(DEACTIVATE_CONSUMER, eventId, async (manager) => {
      const rows = UUID.test(request.mirrorId)
        ? await queryReturning(manager, 'UPDATE slack_connector.profile_mirrors SET active = false, updated_at = now() WHERE id = $1 AND org_id = $2 RETURNING id', [
            request.mirrorId,
            request.orgId,
          ])
        : [];
      if (rows.length === 0) this.logger.warn({ mirrorId: request.mirrorId }, 'no such profile mirror; nothing to deactivate');
      await this.deactivated(manager, request);
    });
  }

  // ---- shared ------------------------------------------------------------------------------------------------

  private async connection(orgId: string, connectionId: string, need: 'settings'): Promise<SlackConnectionSettings>;
  private async connection(orgId: string, connectionId: string, need: 'tokens'): Promise<SlackConnection>;
  private async connection(orgId: string, connectionId: string, need: 'settings' | 'tokens'): Promise<SlackConnectionSettings> {
    try {
      return need === 'tokens' ? await this.connections.withTokens(orgId, connectionId) : await this.connections.settings(orgId, connectionId);
    } catch (error) {
      if (error instanceof ConnectionNotFoundError || error instanceof NotASlackConnectionError) throw new MirrorRefused(error.message);
      throw error;
    }
  }

  /** The admin-facing reason when retrying cannot help, else undefined (the error is transient: rethrown). */
  private refusalReason(error: unknown): string | undefined {
    if (error instanceof MirrorRefused) return error.message;
    // A 4xx from SCIM (bad token, plan, invalid value, conflict) needs a person to change something first.
    if (error instanceof ScimRequestError) return describeForAdmin(error);
    return undefined;
  }

  private async deactivated(manager: EntityManager, request: DeactivateRequest): Promise<void> {
    await this.outbox.enqueue(manager, 'parley.slack.mirror.deactivated.v1', {
      orgId: request.orgId,
      syncId: request.syncId,
      personId: request.personId,
      kind: request.kind,
      mirrorId: request.mirrorId,
    });
  }

  private async failed(consumer: string, eventId: string, request: CreateRequest | DeactivateRequest, operation: 'create' | 'deactivate', reason: string): Promise<void> {
    this.logger.warn({ personId: request.personId, operation, reason }, 'Slack mirror refused; an admin must act');
    this.connections.forget(request.orgId, request.connectionId);
    await this.idempotent.run(consumer, eventId, (manager) =>
      this.outbox.enqueue(manager, 'parley.slack.mirror.failed.v1', {
        orgId: request.orgId,
        syncId: request.syncId,
        personId: request.personId,
        operation,
        reason,
        retryable: false,
      }),
    );
  }
}

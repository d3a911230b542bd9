import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { Secret } from '@parley/config';
import { type CredentialKey, type CredentialStore } from '@parley/identity-credential-vault';
import {
  connectionSettings,
  connectionWithSecrets,
  type ConnectionSettings,
  type ConnectionView,
  type ConnectionWithSecrets,
  type CreateConnectionRequest,
  type SlackSettings,
  type TeamsSettings,
  WORKSPACE_TAKEN_PROBLEM,
} from '@parley/internal-api';
import { inTransaction } from '@parley/persistence';
import { DATA_SOURCE, notFound, ProblemException } from '@parley/service-runtime';
import { CREDENTIALS } from '../config/identity-config';
import { badRequest, conflict } from '../http/problem';
import { firstRow, isUniqueViolation, isUuid, rows, violatedConstraint, type Sql } from '../http/sql';

interface ConnectionRow {
  id: string;
  org_id: string;
  platform: 'slack' | 'teams';
  settings: unknown;
  created_at: Date;
}

/** Where each secret of a connection lives in the vault (owner: the connection). */
const SECRET_PURPOSES = {
  slack: { botToken: 'slack.bot-token', signingSecret: 'slack.signing-secret', scimToken: 'slack.scim-token', clientSecret: 'slack.client-secret' },
  teams: { clientSecret: 'teams.client-secret', teamOwnerPassword: 'teams.team-owner-password' },
} as const;

/** The unique index over live connections by workspace or tenant (migration 1796500000000). */
const WORKSPACE_INDEX = 'connections_platform_tenant_live';

export type TeamsSecretName = keyof (typeof SECRET_PURPOSES)['teams'];

/** A live Teams connection as identity's token flows use it; secrets are opened one at a time, when needed. */
export interface TeamsConnection {
  readonly id: string;
  readonly orgId: string;
  readonly settings: TeamsSettings;
  secret(name: TeamsSecretName): Promise<Secret>;
}

/** A live Slack connection as identity's Slack consent uses it; its client secret is opened only when needed. */
export interface SlackConnection {
  readonly id: string;
  readonly orgId: string;
  readonly settings: SlackSettings;
  /** The app's client secret, or null when the admin connected without the app's client credentials. */
  clientSecret(): Promise<Secret | null>;
}

/**
 * Platform connections: settings in `identity.connections`, every secret sealed in the vault, bound to the org and
 * the connection. A view never carries a secret; only `withSecrets` (served to connectors) opens them.
 */
@Injectable()
export class ConnectionStore {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CREDENTIALS) private readonly credentials: CredentialStore,
  ) {}

  async create(orgId: string, request: CreateConnectionRequest): Promise<ConnectionView> {
    try {
      return await inTransaction(this.dataSource, async (manager) => {
        const row = await firstRow<ConnectionRow>(
          manager,
          `INSERT INTO identity.connections (org_id, platform, settings) VALUES ($1, $2, $3::jsonb)
           RETURNING id, org_id, platform, settings, created_at`,
          [orgId, request.platform, JSON.stringify(request.settings)],
        );
        if (!row) throw new Error('insert into identity.connections returned no row');
        const purposes: Record<string, string> = SECRET_PURPOSES[request.platform];
        for (const [name, value] of Object.entries(request.secrets) as [string, string | undefined][]) {
          if (value === undefined) continue;
          await this.credentials.put(manager, { ...this.secretKey(orgId, row.id, purposes[name] as string), plaintext: value });
        }
        return view(row);
      });
    } catch (error) {
      if (isUniqueViolation(error) && violatedConstraint(error) === WORKSPACE_INDEX) throw workspaceTaken(request.platform);
      if (isUniqueViolation(error)) {
        throw conflict(`platform: the organization already has a ${request.platform} connection; delete it first.`);
      }
      throw error;
    }
  }

  async list(orgId: string): Promise<ConnectionView[]> {
    const found = await rows<ConnectionRow>(
      this.dataSource,
      `SELECT id, org_id, platform, settings, created_at FROM identity.connections
       WHERE org_id = $1 AND deleted_at IS NULL ORDER BY created_at, id`,
      [orgId],
    );
    return found.map(view);
  }

  /** Every live connection of one platform, across organizations: what a connector keeps running (Teams subscriptions). */
  async listPlatform(platform: 'slack' | 'teams'): Promise<ConnectionView[]> {
    const found = await rows<ConnectionRow>(
      this.dataSource,
      `SELECT id, org_id, platform, settings, created_at FROM identity.connections
       WHERE platform = $1 AND deleted_at IS NULL ORDER BY created_at, id`,
      [platform],
    );
    return found.map(view);
  }

  async get(orgId: string, id: string): Promise<ConnectionView> {
    return view(await this.row(this.dataSource, orgId, id));
  }

  /** Marks it deleted and removes its secrets and every token obtained through it. 404 when unknown or another org's. */
  async delete(orgId: string, id: string): Promise<void> {
    await inTransaction(this.dataSource, async (manager) => {
      const deleted = await rows(
        manager,
        `WITH deleted AS (
           UPDATE identity.connections SET deleted_at = now() WHERE id = $1 AND org_id = $2 AND deleted_at IS NULL RETURNING 1
         ) SELECT * FROM deleted`,
        [isUuid(id) ? id : null, orgId],
      );
      if (deleted.length === 0) throw notFound('connection');
      // Owned by the connection (its secrets, its app and team owner tokens), or by a person through it (`.../<id>`).
      await manager.query(
        `DELETE FROM identity.credentials
         WHERE org_id = $1 AND ((owner_kind = 'connection' AND owner_id = $2) OR (owner_kind = 'account' AND purpose LIKE '%/' || $2))`,
        [orgId, id],
      );
    });
  }

  async withSecrets(orgId: string, id: string): Promise<ConnectionWithSecrets> {
    const row = await this.row(this.dataSource, orgId, id);
    const purposes: Record<string, string> = SECRET_PURPOSES[row.platform];
    const secrets: Record<string, string> = {};
    for (const [name, purpose] of Object.entries(purposes)) {
      const credential = await this.credentials.get(this.dataSource, this.secretKey(orgId, row.id, purpose));
      if (credential) secrets[name] = credential.plaintext.reveal();
    }
    const v = view(row);
    return connectionWithSecrets.parse({ id: v.id, orgId: v.orgId, platform: v.platform, settings: v.settings, secrets });
  }

  /** The org's live Teams connection with this id; 404 when unknown, 400 when it is a Slack connection. */
  async teams(orgId: string, id: string, db: Sql = this.dataSource): Promise<TeamsConnection> {
    const row = await this.row(db, orgId, id);
    const settings = parseSettings(row);
    if (settings.platform !== 'teams') {
      throw badRequest('connectionId: this is a Slack connection; tokens are issued for Teams connections only.', 'connectionId');
    }
    return this.teamsConnection(row, settings);
  }

  /** The org's one live Teams connection, or null. */
  async liveTeams(orgId: string, db: Sql = this.dataSource): Promise<TeamsConnection | null> {
    const row = await firstRow<ConnectionRow>(
      db,
      `SELECT id, org_id, platform, settings, created_at FROM identity.connections
       WHERE org_id = $1 AND platform = 'teams' AND deleted_at IS NULL`,
      [orgId],
    );
    if (!row) return null;
    const settings = parseSettings(row);
    return settings.platform === 'teams' ? this.teamsConnection(row, settings) : null;
  }

  /** The org's live Slack connection with this id; 404 when unknown, 400 when it is a Teams connection. */
  async slack(orgId: string, id: string, db: Sql = this.dataSource): Promise<SlackConnection> {
    const row = await this.row(db, orgId, id);
    const settings = parseSettings(row);
    if (settings.platform !== 'slack') throw badRequest('connectionId: this is a Teams connection, not a Slack one.', 'connectionId');
    return this.slackConnection(row, settings);
  }

  /** The org's one live Slack connection, or null. */
  async liveSlack(orgId: string, db: Sql = this.dataSource): Promise<SlackConnection | null> {
    const row = await firstRow<ConnectionRow>(
      db,
      `SELECT id, org_id, platform, settings, created_at FROM identity.connections
       WHERE org_id = $1 AND platform = 'slack' AND deleted_at IS NULL`,
      [orgId],
    );
    if (!row) return null;
    const settings = parseSettings(row);
    return settings.platform === 'slack' ? this.slackConnection(row, settings) : null;
  }

  /** The live Slack connection of a workspace (one at most, migration 1796500000000), as a view; 404 when none. */
  async liveSlackByTeam(teamId: string): Promise<ConnectionView> {
    const row = await firstRow<ConnectionRow>(
      this.dataSource,
      `SELECT id, org_id, platform, settings, created_at FROM identity.connections
       WHERE platform = 'slack' AND platform_tenant_id = $1 AND deleted_at IS NULL`,
      [teamId],
    );
    if (!row) throw notFound('connection');
    return view(row);
  }

  private slackConnection(row: ConnectionRow, settings: SlackSettings): SlackConnection {
    return {
      id: row.id,
      orgId: row.org_id,
      settings,
      clientSecret: async () =>
        (await this.credentials.get(this.dataSource, this.secretKey(row.org_id, row.id, SECRET_PURPOSES.slack.clientSecret)))?.plaintext ?? null,
    };
  }

  private teamsConnection(row: ConnectionRow, settings: TeamsSettings): TeamsConnection {
    return {
      id: row.id,
      orgId: row.org_id,
      settings,
      secret: async (name) => {
        const credential = await this.credentials.get(this.dataSource, this.secretKey(row.org_id, row.id, SECRET_PURPOSES.teams[name]));
        if (!credential) throw new Error(`the Teams connection ${row.id} has no ${name} in the vault`);
        return credential.plaintext;
      },
    };
  }

  private async row(db: Sql | EntityManager, orgId: string, id: string): Promise<ConnectionRow> {
    if (!isUuid(id)) throw notFound('connection');
    const row = await firstRow<ConnectionRow>(
      db,
      `SELECT id, org_id, platform, settings, created_at FROM identity.connections WHERE id = $1 AND org_id = $2 AND deleted_at IS NULL`,
      [id, orgId],
    );
    if (!row) throw notFound('connection');
    return row;
  }

  private secretKey(orgId: string, connectionId: string, purpose: string): CredentialKey {
    return { orgId, ownerKind: 'connection', ownerId: connectionId, purpose };
  }
}

function parseSettings(row: ConnectionRow): ConnectionSettings {
  return connectionSettings.parse(row.settings);
}

function view(row: ConnectionRow): ConnectionView {
  return { id: row.id, orgId: row.org_id, platform: row.platform, settings: parseSettings(row), createdAt: row.created_at.toISOString() };
}

/**
 * 409: the workspace or tenant is connected already, by this org or another. Which org is never said: an admin must
 * not learn who else uses Parley. The field is the setting that identifies it; the gateway renames it for its API.
 */
function workspaceTaken(platform: 'slack' | 'teams'): ProblemException {
  const [what, field] = platform === 'slack' ? ['Slack workspace', 'settings.teamId'] : ['Microsoft 365 tenant', 'settings.tenantId'];
  const detail = `This ${what} is already connected to an organization in Parley; it belongs to one organization at a time, so that connection must be deleted first.`;
  return new ProblemException(409, detail, WORKSPACE_TAKEN_PROBLEM, [{ field, message: `this ${what} is already connected` }]);
}

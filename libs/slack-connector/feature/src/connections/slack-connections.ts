import { Inject, Injectable } from '@nestjs/common';
import { Secret } from '@parley/config';
import { internalRoutes, InternalApiError, type SlackSettings } from '@parley/internal-api';
import { INTERNAL_API, type InternalApiAccess } from '@parley/service-runtime';
import { SLACK_CONNECTOR_CONFIG, type SlackConnectorConfig } from '../config';
import { ReusedSecrets } from './reused-secrets';

/** A Slack connection's settings, as identity's secret-free view gives them. */
export interface SlackConnectionSettings {
  readonly id: string;
  readonly orgId: string;
  readonly settings: SlackSettings;
}

/** A Slack connection about to call Slack: its settings, and its tokens only as Secret. */
export interface SlackConnection extends SlackConnectionSettings {
  readonly botToken: Secret;
  readonly signingSecret: Secret;
  readonly scimToken?: Secret;
}

/** identity has no such connection (deleted, or never made): nothing to retry. */
export class ConnectionNotFoundError extends Error {
  constructor(
    readonly orgId: string,
    readonly connectionId: string,
  ) {
    super(`the Slack connection ${connectionId} of ${orgId} no longer exists: connect Slack again and re-run the sync`);
    this.name = 'ConnectionNotFoundError';
  }
}

/** The connection is not a Slack one: a command was sent to the wrong connector. */
export class NotASlackConnectionError extends Error {
  constructor(readonly connectionId: string) {
    super(`connection ${connectionId} is not a Slack connection`);
    this.name = 'NotASlackConnectionError';
  }
}

/**
 * A connection as identity keeps it. Settings come from identity's secret-free view and are reused for a short while,
 * so a burst of mirror commands does not ask identity once per person. Tokens are read from identity's secrets route
 * only by work about to call Slack with them (least privilege: a profile mirror needs none). An admin command reads
 * them afresh each time; the relay's paths, which need them for every event and delivery, reuse them for
 * `PARLEY_SLACK_TOKEN_REUSE_MS` and no longer, so an idle connector holds none (ADR 0033).
 */
@Injectable()
export class SlackConnections {
  private readonly cache = new Map<string, { value: SlackConnectionSettings; expiresAt: number }>();
  private readonly workspaces = new Map<string, { value: SlackConnectionSettings | undefined; expiresAt: number }>();
  private readonly reused: ReusedSecrets<SlackConnection>;

  constructor(
    @Inject(INTERNAL_API) private readonly internalApi: InternalApiAccess,
    @Inject(SLACK_CONNECTOR_CONFIG) private readonly config: SlackConnectorConfig,
  ) {
    this.reused = new ReusedSecrets(config.tokenReuseMs);
  }

  async settings(orgId: string, connectionId: string): Promise<SlackConnectionSettings> {
    const key = `${orgId}:${connectionId}`;
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.value;
    const view = await this.read(orgId, connectionId, () => this.internalApi.send(internalRoutes.identity.connection, { params: { orgId, connectionId } }));
    if (view.settings.platform !== 'slack') throw new NotASlackConnectionError(connectionId);
    const value: SlackConnectionSettings = { id: view.id, orgId: view.orgId, settings: view.settings };
    if (this.config.connectionCacheMs > 0) {
      this.prune();
      this.cache.set(key, { value, expiresAt: Date.now() + this.config.connectionCacheMs });
    }
    return value;
  }

  /**
   * The live connection of the workspace an Events API request names (`team_id`), or undefined when no org has
   * connected it. Which org and connection a workspace is reused like settings; a miss is remembered briefly too, so a
   * flood of forged team ids does not become a flood of identity reads.
   */
  async ofWorkspace(teamId: string): Promise<SlackConnectionSettings | undefined> {
    const key = `team:${teamId}`;
    const cached = this.workspaces.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.value;
    let value: SlackConnectionSettings | undefined;
    try {
      const view = await this.internalApi.send(internalRoutes.identity.slackWorkspaceConnection, { params: { teamId } });
      if (view.settings.platform === 'slack') value = { id: view.id, orgId: view.orgId, settings: view.settings };
    } catch (error) {
      if (!(error instanceof InternalApiError && error.status === 404)) throw error;
    }
    const ttl = value ? this.config.connectionCacheMs : Math.min(this.config.connectionCacheMs, 5_000);
    if (ttl > 0) {
      if (this.workspaces.size > 10_000) this.workspaces.clear();
      this.workspaces.set(key, { value, expiresAt: Date.now() + ttl });
    }
    return value;
  }

  /** The settings and the tokens, read from identity now for a call about to be made; the caller drops them after. */
  async withTokens(orgId: string, connectionId: string): Promise<SlackConnection> {
    const answer = await this.read(orgId, connectionId, () =>
      this.internalApi.send(internalRoutes.identity.connectionSecrets, { params: { orgId, connectionId } }),
    );
    if (answer.platform !== 'slack') throw new NotASlackConnectionError(connectionId);
    return {
      id: answer.id,
      orgId: answer.orgId,
      settings: answer.settings,
      botToken: new Secret(answer.secrets.botToken),
      signingSecret: new Secret(answer.secrets.signingSecret),
      scimToken: answer.secrets.scimToken ? new Secret(answer.secrets.scimToken) : undefined,
    };
  }

  /**
   * The settings and the tokens for the relay's paths (events in, deliveries out): read from identity at most once per
   * `PARLEY_SLACK_TOKEN_REUSE_MS`. A caller whose token Slack refuses calls `forget`.
   */
  async withReusedTokens(orgId: string, connectionId: string): Promise<SlackConnection> {
    return this.reused.get(`${orgId}:${connectionId}`, () => this.withTokens(orgId, connectionId));
  }

  /** Drops cached settings and tokens, e.g. after Slack refused the connection's token, so the next use reads them again. */
  forget(orgId: string, connectionId: string): void {
    this.cache.delete(`${orgId}:${connectionId}`);
    this.reused.forget(`${orgId}:${connectionId}`);
  }

  private async read<T>(orgId: string, connectionId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof InternalApiError && error.status === 404) throw new ConnectionNotFoundError(orgId, connectionId);
      throw error;
    }
  }

  private prune(): void {
    const now = Date.now();
    for (const [key, entry] of this.cache) if (entry.expiresAt <= now) this.cache.delete(key);
  }
}

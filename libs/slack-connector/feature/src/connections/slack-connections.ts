import { Inject, Injectable } from '@nestjs/common';
import { Secret } from '@parley/config';
import { connectionWithSecrets, internalPaths, InternalApiError, type SlackSettings } from '@parley/internal-api';
import { INTERNAL_API, type InternalApiAccess } from '@parley/service-runtime';
import { SLACK_CONNECTOR_CONFIG, type SlackConnectorConfig } from '../config';

/** A Slack connection as the connector uses it: settings in the clear, secrets only as Secret. */
export interface SlackConnection {
  readonly id: string;
  readonly orgId: string;
  readonly settings: SlackSettings;
  readonly botToken: Secret;
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
 * Reads a connection's settings and opened secrets from identity (the only place they are kept) and reuses them
 * for a short while, so a burst of mirror commands does not ask identity once per person.
 */
@Injectable()
export class SlackConnections {
  private readonly cache = new Map<string, { value: SlackConnection; expiresAt: number }>();

  constructor(
    @Inject(INTERNAL_API) private readonly internalApi: InternalApiAccess,
    @Inject(SLACK_CONNECTOR_CONFIG) private readonly config: SlackConnectorConfig,
  ) {}

  async get(orgId: string, connectionId: string): Promise<SlackConnection> {
    const key = `${orgId}:${connectionId}`;
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.value;
    let answer;
    try {
      answer = await this.internalApi.client('identity').call('GET', internalPaths.identity.connectionSecrets(orgId, connectionId), connectionWithSecrets);
    } catch (error) {
      if (error instanceof InternalApiError && error.status === 404) throw new ConnectionNotFoundError(orgId, connectionId);
      throw error;
    }
    if (answer.platform !== 'slack') throw new NotASlackConnectionError(connectionId);
    const value: SlackConnection = {
      id: answer.id,
      orgId: answer.orgId,
      settings: answer.settings,
      botToken: new Secret(answer.secrets.botToken),
      scimToken: answer.secrets.scimToken ? new Secret(answer.secrets.scimToken) : undefined,
    };
    if (this.config.connectionCacheMs > 0) {
      this.prune();
      this.cache.set(key, { value, expiresAt: Date.now() + this.config.connectionCacheMs });
    }
    return value;
  }

  /** Drops a cached connection, e.g. after Slack refused its token, so the next use reads it again. */
  forget(orgId: string, connectionId: string): void {
    this.cache.delete(`${orgId}:${connectionId}`);
  }

  private prune(): void {
    const now = Date.now();
    for (const [key, entry] of this.cache) if (entry.expiresAt <= now) this.cache.delete(key);
  }
}

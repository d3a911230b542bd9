import { Controller, Inject, UseGuards } from '@nestjs/common';
import { internalRoutes, type RouteBody, type RouteParams, type RouteQuery as RouteQueryOf, type RouteResult } from '@parley/internal-api';
import { InternalAuthGuard, InternalRoute, RouteBody as Body, RouteParams as Params, RouteQuery } from '@parley/service-runtime';
import { ConnectionStore } from './connection-store';
import { TeamsNotificationKeys } from './teams-notification-keys';

const routes = internalRoutes.identity;

@Controller()
@UseGuards(InternalAuthGuard)
export class ConnectionsController {
  constructor(@Inject(ConnectionStore) private readonly connections: ConnectionStore) {}

  /** gateway, after the connector verified the credentials: seal the secrets, answer the view (never a secret). */
  @InternalRoute(routes.createConnection)
  create(
    @Params(routes.createConnection) { orgId }: RouteParams<typeof routes.createConnection>,
    @Body(routes.createConnection) body: RouteBody<typeof routes.createConnection>,
  ): Promise<RouteResult<typeof routes.createConnection>> {
    return this.connections.create(orgId, body);
  }

  @InternalRoute(routes.connections)
  async list(@Params(routes.connections) { orgId }: RouteParams<typeof routes.connections>): Promise<RouteResult<typeof routes.connections>> {
    return { items: await this.connections.list(orgId) };
  }

  @InternalRoute(routes.connection)
  get(@Params(routes.connection) { orgId, connectionId }: RouteParams<typeof routes.connection>): Promise<RouteResult<typeof routes.connection>> {
    return this.connections.get(orgId, connectionId);
  }

  @InternalRoute(routes.deleteConnection)
  async delete(@Params(routes.deleteConnection) { orgId, connectionId }: RouteParams<typeof routes.deleteConnection>): Promise<void> {
    await this.connections.delete(orgId, connectionId);
  }

  /** slack-connector only, for a command about to call Slack with the tokens (ADR 0011); settings come from get(). */
  @InternalRoute(routes.connectionSecrets)
  secrets(@Params(routes.connectionSecrets) { orgId, connectionId }: RouteParams<typeof routes.connectionSecrets>): Promise<RouteResult<typeof routes.connectionSecrets>> {
    return this.connections.withSecrets(orgId, connectionId);
  }
}

/** A connector's view of every live connection of its platform. */
@Controller()
@UseGuards(InternalAuthGuard)
export class PlatformConnectionsController {
  constructor(@Inject(ConnectionStore) private readonly connections: ConnectionStore) {}

  @InternalRoute(routes.platformConnections)
  async list(@RouteQuery(routes.platformConnections) { platform }: RouteQueryOf<typeof routes.platformConnections>): Promise<RouteResult<typeof routes.platformConnections>> {
    return { items: await this.connections.listPlatform(platform) };
  }
}

/** slack-connector's Events API ingress learns which org and connection an event's `team_id` belongs to (the view, never a secret). */
@Controller()
@UseGuards(InternalAuthGuard)
export class SlackWorkspaceConnectionController {
  constructor(@Inject(ConnectionStore) private readonly connections: ConnectionStore) {}

  @InternalRoute(routes.slackWorkspaceConnection)
  get(@Params(routes.slackWorkspaceConnection) { teamId }: RouteParams<typeof routes.slackWorkspaceConnection>): Promise<RouteResult<typeof routes.slackWorkspaceConnection>> {
    return this.connections.liveSlackByTeam(teamId);
  }
}

/** teams-connector's notification certificates of a Teams connection, sealed in the vault (ADR 0028). */
@Controller()
@UseGuards(InternalAuthGuard)
export class TeamsNotificationKeysController {
  constructor(@Inject(TeamsNotificationKeys) private readonly keys: TeamsNotificationKeys) {}

  @InternalRoute(routes.teamsNotificationKeys)
  get(@Params(routes.teamsNotificationKeys) { orgId, connectionId }: RouteParams<typeof routes.teamsNotificationKeys>): Promise<RouteResult<typeof routes.teamsNotificationKeys>> {
    return this.keys.get(orgId, connectionId);
  }

  @InternalRoute(routes.putTeamsNotificationKeys)
  async put(
    @Params(routes.putTeamsNotificationKeys) { orgId, connectionId }: RouteParams<typeof routes.putTeamsNotificationKeys>,
    @Body(routes.putTeamsNotificationKeys) body: RouteBody<typeof routes.putTeamsNotificationKeys>,
  ): Promise<void> {
    await this.keys.put(orgId, connectionId, body);
  }
}

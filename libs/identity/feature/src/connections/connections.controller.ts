import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { createConnectionRequest, type ConnectionView, type ConnectionWithSecrets, type CreateConnectionRequest } from '@parley/internal-api';
import { InternalAuthGuard, ZodValidationPipe } from '@parley/service-runtime';
import { OrgIdPipe } from '../http/problem';
import { ConnectionStore } from './connection-store';

/** `internalPaths.identity.connections / connection / connectionSecrets`. */
@Controller('internal/orgs/:orgId/connections')
@UseGuards(InternalAuthGuard)
export class ConnectionsController {
  constructor(@Inject(ConnectionStore) private readonly connections: ConnectionStore) {}

  /** gateway, after the connector verified the credentials: seal the secrets, answer the view (never a secret). */
  @Post()
  @HttpCode(201)
  create(
    @Param('orgId', OrgIdPipe) orgId: string,
    @Body(new ZodValidationPipe(createConnectionRequest)) body: CreateConnectionRequest,
  ): Promise<ConnectionView> {
    return this.connections.create(orgId, body);
  }

  @Get()
  async list(@Param('orgId', OrgIdPipe) orgId: string): Promise<{ items: ConnectionView[] }> {
    return { items: await this.connections.list(orgId) };
  }

  @Get(':id')
  get(@Param('orgId', OrgIdPipe) orgId: string, @Param('id') id: string): Promise<ConnectionView> {
    return this.connections.get(orgId, id);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('orgId', OrgIdPipe) orgId: string, @Param('id') id: string): Promise<void> {
    await this.connections.delete(orgId, id);
  }

  /** slack-connector only, for a command about to call Slack with the tokens (ADR 0011); settings come from get(). */
  @Get(':id/secrets')
  secrets(@Param('orgId', OrgIdPipe) orgId: string, @Param('id') id: string): Promise<ConnectionWithSecrets> {
    return this.connections.withSecrets(orgId, id);
  }
}

/**
 * `internalPaths.identity.slackWorkspaceConnection`: slack-connector's Events API ingress learns which org and
 * connection an event's `team_id` belongs to (the view, never a secret).
 */
@Controller('internal/slack-workspaces/:teamId/connection')
@UseGuards(InternalAuthGuard)
export class SlackWorkspaceConnectionController {
  constructor(@Inject(ConnectionStore) private readonly connections: ConnectionStore) {}

  @Get()
  get(@Param('teamId') teamId: string): Promise<ConnectionView> {
    return this.connections.liveSlackByTeam(teamId);
  }
}

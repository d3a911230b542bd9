import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import { createConnectionRequest, type ConnectionView, type ConnectionWithSecrets, type CreateConnectionRequest } from '@parley/internal-api';
import { InternalAuthGuard, ZodValidationPipe } from '@parley/service-runtime';
import { badRequest, OrgIdPipe } from '../http/problem';
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

/** `internalPaths.identity.platformConnections`: a connector's view of every live connection of its platform. */
@Controller('internal/connections')
@UseGuards(InternalAuthGuard)
export class PlatformConnectionsController {
  constructor(@Inject(ConnectionStore) private readonly connections: ConnectionStore) {}

  @Get()
  async list(@Query('platform') platform: unknown): Promise<{ items: ConnectionView[] }> {
    if (platform !== 'slack' && platform !== 'teams') {
      throw badRequest('platform: expected slack or teams.', 'platform');
    }
    return { items: await this.connections.listPlatform(platform) };
  }
}

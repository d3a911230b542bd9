import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import type { Logger } from '@parley/observability';
import { connectionInput, internalRoutes, type ConnectionInput, type ConnectionView } from '@parley/internal-api';
import { LOGGER, ZodValidationPipe } from '@parley/service-runtime';
import { ApiKeyGuard, OrgOnly, orgPrincipalOf } from '../auth/auth.guard';
import { PeerApi } from '../peers/peer-api';
import { badGateway } from '../peers/peer-errors';
import { ownedOrNotFound, resourceIdOrNotFound } from '../peers/scoping';
import type { ConnectionList } from './connection.schemas';
import { connectionRefused, connectorFor, createConnectionRequestFrom, inAdminTerms, secretValuesOf } from './connection-input';

/** Checking credentials makes several platform calls (Graph: tokens in two tenants, ROPC, team reads). */
const VERIFY_TIMEOUT_MS = 60_000;
const WHAT = 'connection';

/**
 * Connect Platforms: the connector checks the credentials against the platform, then identity stores the verified
 * settings and seals the secrets. No secret is ever answered: views are parsed with the shared schema (unknown
 * members dropped) and checked for any secret value before they leave.
 */
@Controller('v1/connections')
@UseGuards(ApiKeyGuard)
@OrgOnly()
export class ConnectionsController {
  constructor(
    @Inject(PeerApi) private readonly peers: PeerApi,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Body(new ZodValidationPipe(connectionInput)) input: ConnectionInput, @Req() request: Request): Promise<ConnectionView> {
    const { orgId } = orgPrincipalOf(request);
    const connector = connectorFor(input.platform);
    const verifying = { what: WHAT, timeoutMs: VERIFY_TIMEOUT_MS };
    const verified = await (input.platform === 'slack'
      ? this.peers.send(internalRoutes['slack-connector'].verifyConnection, { body: input }, verifying)
      : this.peers.send(internalRoutes['teams-connector'].verifyConnection, { body: input }, verifying));
    if (!verified.ok) throw connectionRefused(input.platform, verified.problems);

    let stored;
    try {
      stored = createConnectionRequestFrom(input, verified.settings);
    } catch (error) {
      this.logger.error({ peer: connector, reason: error instanceof Error ? error.message : 'unknown' }, 'verified settings do not fit the input');
      throw badGateway(connector);
    }
    // identity's unique index decides between two orgs connecting one workspace at once: 409 naming the field.
    const view = await this.peers
      .send(internalRoutes.identity.createConnection, { params: { orgId }, body: stored }, { what: WHAT })
      .catch((error: unknown) => {
        throw inAdminTerms(error);
      });
    return this.withoutSecrets(ownedOrNotFound(view, orgId, WHAT), secretValuesOf(input));
  }

  @Get()
  async list(@Req() request: Request): Promise<ConnectionList> {
    const { orgId } = orgPrincipalOf(request);
    const list = await this.peers.send(internalRoutes.identity.connections, { params: { orgId } }, { what: WHAT });
    return { items: list.items.filter((c) => c.orgId === orgId) };
  }

  @Get(':id')
  async get(@Param('id') id: string, @Req() request: Request): Promise<ConnectionView> {
    const { orgId } = orgPrincipalOf(request);
    const connectionId = resourceIdOrNotFound(id, WHAT);
    const view = await this.peers.send(internalRoutes.identity.connection, { params: { orgId, connectionId } }, { what: WHAT });
    return ownedOrNotFound(view, orgId, WHAT);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string, @Req() request: Request): Promise<void> {
    const { orgId } = orgPrincipalOf(request);
    const connectionId = resourceIdOrNotFound(id, WHAT);
    await this.peers.send(internalRoutes.identity.deleteConnection, { params: { orgId, connectionId } }, { what: WHAT });
  }

  /** Belt and braces: a view that somehow carries a secret the admin just sent is never answered. */
  private withoutSecrets(view: ConnectionView, secrets: readonly string[]): ConnectionView {
    const text = JSON.stringify(view);
    if (secrets.some((secret) => text.includes(secret))) {
      this.logger.error({ peer: 'identity', connectionId: view.id }, 'identity answered a connection view holding a secret; not returned');
      throw badGateway('identity');
    }
    return view;
  }
}

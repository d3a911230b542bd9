import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { createUserSyncRequest, internalRoutes, startUserSyncRequest, type userSyncList, type UserSyncView } from '@parley/internal-api';
import { ZodValidationPipe } from '@parley/service-runtime';
import { ApiKeyGuard, OrgOnly, orgPrincipalOf } from '../auth/auth.guard';
import { PeerApi } from '../peers/peer-api';
import { ownedOrNotFound, resourceIdOrNotFound } from '../peers/scoping';

const WHAT = 'user sync';

/** The public path of a user sync, for the Location of a 202. */
export const userSyncLocation = (id: string) => `/v1/user-syncs/${encodeURIComponent(id)}`;

/**
 * User Sync: provisioning owns the jobs. Starting one answers 202 with the job (queued) and its Location; a second
 * start while one is queued or running answers provisioning's 409, naming the active sync.
 */
@Controller('v1/user-syncs')
@UseGuards(ApiKeyGuard)
@OrgOnly()
export class UserSyncsController {
  constructor(@Inject(PeerApi) private readonly peers: PeerApi) {}

  @Post()
  @HttpCode(202)
  async start(
    @Body(new ZodValidationPipe(createUserSyncRequest)) body: z.output<typeof createUserSyncRequest>,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<UserSyncView> {
    const { orgId, keyId } = orgPrincipalOf(request);
    const start = startUserSyncRequest.parse({ mode: body.mode, requestedBy: keyId });
    const sync = await this.peers.send(internalRoutes.provisioning.startUserSync, { params: { orgId }, body: start }, { what: WHAT });
    ownedOrNotFound(sync, orgId, WHAT);
    response.setHeader('Location', userSyncLocation(sync.id));
    return sync;
  }

  @Get()
  async list(@Req() request: Request): Promise<z.output<typeof userSyncList>> {
    const { orgId } = orgPrincipalOf(request);
    const list = await this.peers.send(internalRoutes.provisioning.userSyncs, { params: { orgId } }, { what: WHAT });
    return { items: list.items.filter((s) => s.orgId === orgId) };
  }

  @Get(':id')
  async get(@Param('id') id: string, @Req() request: Request): Promise<UserSyncView> {
    const { orgId } = orgPrincipalOf(request);
    const syncId = resourceIdOrNotFound(id, WHAT);
    const sync = await this.peers.send(internalRoutes.provisioning.userSync, { params: { orgId, syncId } }, { what: WHAT });
    return ownedOrNotFound(sync, orgId, WHAT);
  }
}

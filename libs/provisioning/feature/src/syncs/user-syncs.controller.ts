import { Body, Controller, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { orgId as orgIdSchema, uuid } from '@parley/contracts';
import { startUserSyncRequest, SYNC_CONFLICT_PROBLEM, type UserSyncView } from '@parley/internal-api';
import { InternalAuthGuard, notFound, parseOrThrow, ProblemException } from '@parley/service-runtime';
import { SyncStore } from './sync-store';

const orgParams = z.object({ orgId: orgIdSchema });

/**
 * provisioning's internal API (`internalPaths.provisioning`): the gateway starts and reads user syncs here. Only
 * peers holding the internal token get in; an org sees only its own jobs (another org's job is a plain 404).
 */
@Controller('internal/orgs/:orgId/user-syncs')
@UseGuards(InternalAuthGuard)
export class UserSyncsController {
  constructor(@Inject(SyncStore) private readonly syncs: SyncStore) {}

  /** 202 with the queued job; 409 naming the active job while one is queued or running for the org. */
  @Post()
  @HttpCode(202)
  async start(@Param('orgId') rawOrgId: string, @Body() rawBody: unknown): Promise<UserSyncView> {
    const { orgId } = parseOrThrow(orgParams, { orgId: rawOrgId }, 'path');
    const body = parseOrThrow(startUserSyncRequest, rawBody ?? undefined, 'request body');
    const outcome = await this.syncs.create(orgId, body.mode, body.requestedBy);
    if ('activeSyncId' in outcome) {
      throw new ProblemException(409, 'A user sync is already queued or running for this organization; wait for it to finish.', SYNC_CONFLICT_PROBLEM, undefined, {
        activeSyncId: outcome.activeSyncId,
      });
    }
    return outcome.created;
  }

  @Get()
  async list(@Param('orgId') rawOrgId: string): Promise<{ items: UserSyncView[] }> {
    const { orgId } = parseOrThrow(orgParams, { orgId: rawOrgId }, 'path');
    return { items: await this.syncs.list(orgId) };
  }

  @Get(':syncId')
  async get(@Param('orgId') rawOrgId: string, @Param('syncId') syncId: string): Promise<UserSyncView> {
    const { orgId } = parseOrThrow(orgParams, { orgId: rawOrgId }, 'path');
    const view = uuid.safeParse(syncId).success ? await this.syncs.view(orgId, syncId) : undefined;
    if (!view) throw notFound('user sync');
    return view;
  }
}

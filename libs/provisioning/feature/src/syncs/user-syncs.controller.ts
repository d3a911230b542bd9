import { Controller, Inject, UseGuards } from '@nestjs/common';
import { uuid } from '@parley/contracts';
import { internalRoutes, SYNC_CONFLICT_PROBLEM, type RouteBody, type RouteParams, type RouteResult } from '@parley/internal-api';
import { InternalAuthGuard, InternalRoute, notFound, ProblemException, RouteBody as Body, RouteParams as Params } from '@parley/service-runtime';
import { SyncStore } from './sync-store';

const routes = internalRoutes.provisioning;

/**
 * provisioning's internal API (`internalRoutes.provisioning`): the gateway starts and reads user syncs here. Only
 * peers holding the internal token get in; an org sees only its own jobs (another org's job is a plain 404).
 */
@Controller()
@UseGuards(InternalAuthGuard)
export class UserSyncsController {
  constructor(@Inject(SyncStore) private readonly syncs: SyncStore) {}

  /** 202 with the queued job; 409 naming the active job while one is queued or running for the org. */
  @InternalRoute(routes.startUserSync)
  async start(
    @Params(routes.startUserSync) { orgId }: RouteParams<typeof routes.startUserSync>,
    @Body(routes.startUserSync) body: RouteBody<typeof routes.startUserSync>,
  ): Promise<RouteResult<typeof routes.startUserSync>> {
    const outcome = await this.syncs.create(orgId, body.mode, body.requestedBy);
    if ('activeSyncId' in outcome) {
      throw new ProblemException(409, 'A user sync is already queued or running for this organization; wait for it to finish.', SYNC_CONFLICT_PROBLEM, undefined, {
        activeSyncId: outcome.activeSyncId,
      });
    }
    return outcome.created;
  }

  @InternalRoute(routes.userSyncs)
  async list(@Params(routes.userSyncs) { orgId }: RouteParams<typeof routes.userSyncs>): Promise<RouteResult<typeof routes.userSyncs>> {
    return { items: await this.syncs.list(orgId) };
  }

  @InternalRoute(routes.userSync)
  async get(@Params(routes.userSync) { orgId, syncId }: RouteParams<typeof routes.userSync>): Promise<RouteResult<typeof routes.userSync>> {
    const view = uuid.safeParse(syncId).success ? await this.syncs.view(orgId, syncId) : undefined;
    if (!view) throw notFound('user sync');
    return view;
  }
}

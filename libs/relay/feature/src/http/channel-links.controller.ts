import { Controller, Inject, UseGuards } from '@nestjs/common';
import { internalRoutes, type RouteBody as Body, type RouteParams as Params, type RouteQuery as Query, type RouteResult } from '@parley/internal-api';
import { InternalAuthGuard, InternalRoute, RouteBody, RouteParams, RouteQuery } from '@parley/service-runtime';
import { ChannelLinks } from '../channels/channel-links';

const routes = internalRoutes.relay;

/** Channel Sync's links, as the gateway answers admins with them (`/v1/channel-links`). */
@Controller()
@UseGuards(InternalAuthGuard)
export class ChannelLinksController {
  constructor(@Inject(ChannelLinks) private readonly links: ChannelLinks) {}

  @InternalRoute(routes.createChannelLink)
  create(
    @RouteParams(routes.createChannelLink) { orgId }: Params<typeof routes.createChannelLink>,
    @RouteBody(routes.createChannelLink) body: Body<typeof routes.createChannelLink>,
  ): Promise<RouteResult<typeof routes.createChannelLink>> {
    return this.links.create(orgId, body);
  }

  @InternalRoute(routes.channelLinks)
  list(
    @RouteParams(routes.channelLinks) { orgId }: Params<typeof routes.channelLinks>,
    @RouteQuery(routes.channelLinks) query: Query<typeof routes.channelLinks>,
  ): Promise<RouteResult<typeof routes.channelLinks>> {
    return this.links.list(orgId, query);
  }

  @InternalRoute(routes.channelLink)
  get(@RouteParams(routes.channelLink) { orgId, linkId }: Params<typeof routes.channelLink>): Promise<RouteResult<typeof routes.channelLink>> {
    return this.links.get(orgId, linkId);
  }

  @InternalRoute(routes.deleteChannelLink)
  remove(@RouteParams(routes.deleteChannelLink) { orgId, linkId }: Params<typeof routes.deleteChannelLink>): Promise<void> {
    return this.links.remove(orgId, linkId);
  }
}

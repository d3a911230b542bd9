import { Controller, Inject, UseGuards } from '@nestjs/common';
import { internalRoutes, type RouteBody, type RouteParams, type RouteResult } from '@parley/internal-api';
import { InternalAuthGuard, InternalRoute, RouteBody as Body, RouteParams as Params } from '@parley/service-runtime';
import { TeamsChannels } from './teams-channels';

const routes = internalRoutes['teams-connector'];

/** relay -> teams-connector, while an admin links channels: describe a Teams channel, or create the twin. */
@Controller()
@UseGuards(InternalAuthGuard)
export class ChannelsController {
  constructor(@Inject(TeamsChannels) private readonly channels: TeamsChannels) {}

  @InternalRoute(routes.channel)
  channel(@Params(routes.channel) { orgId, connectionId, teamId, channelId }: RouteParams<typeof routes.channel>): Promise<RouteResult<typeof routes.channel>> {
    return this.channels.describe(orgId, connectionId, teamId, channelId);
  }

  @InternalRoute(routes.createChannel)
  createChannel(
    @Params(routes.createChannel) { orgId, connectionId, teamId }: RouteParams<typeof routes.createChannel>,
    @Body(routes.createChannel) body: RouteBody<typeof routes.createChannel>,
  ): Promise<RouteResult<typeof routes.createChannel>> {
    return this.channels.create(orgId, connectionId, teamId, body);
  }
}

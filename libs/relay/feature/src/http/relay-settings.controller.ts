import { Controller, Inject, UseGuards } from '@nestjs/common';
import { internalRoutes, type RouteBody as Body, type RouteParams as Params, type RouteResult } from '@parley/internal-api';
import { InternalAuthGuard, InternalRoute, RouteBody, RouteParams } from '@parley/service-runtime';
import { RelaySettings } from '../settings/relay-settings';

const routes = internalRoutes.relay;

/** The organization's relay settings, as the gateway answers admins with them (`/v1/relay-settings`). */
@Controller()
@UseGuards(InternalAuthGuard)
export class RelaySettingsController {
  constructor(@Inject(RelaySettings) private readonly settings: RelaySettings) {}

  @InternalRoute(routes.relaySettings)
  get(@RouteParams(routes.relaySettings) { orgId }: Params<typeof routes.relaySettings>): Promise<RouteResult<typeof routes.relaySettings>> {
    return this.settings.view(orgId);
  }

  @InternalRoute(routes.updateRelaySettings)
  update(
    @RouteParams(routes.updateRelaySettings) { orgId }: Params<typeof routes.updateRelaySettings>,
    @RouteBody(routes.updateRelaySettings) body: Body<typeof routes.updateRelaySettings>,
  ): Promise<RouteResult<typeof routes.updateRelaySettings>> {
    return this.settings.update(orgId, body);
  }
}

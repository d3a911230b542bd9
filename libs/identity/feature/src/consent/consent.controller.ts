import { Controller, Inject, UseGuards } from '@nestjs/common';
import { internalRoutes, type RouteBody, type RouteResult } from '@parley/internal-api';
import { InternalAuthGuard, InternalRoute, RouteBody as Body } from '@parley/service-runtime';
import { ConsentService } from './consent.service';

const route = internalRoutes.identity.completeConsent;

/** The gateway's OAuth callback hands over the code and state. */
@Controller()
@UseGuards(InternalAuthGuard)
export class ConsentController {
  constructor(@Inject(ConsentService) private readonly consent: ConsentService) {}

  @InternalRoute(route)
  complete(@Body(route) body: RouteBody<typeof route>): Promise<RouteResult<typeof route>> {
    return this.consent.complete(body.code, body.state);
  }
}

import { Controller, Header, Inject, UseGuards } from '@nestjs/common';
import { internalRoutes, type RouteBody, type RouteParams, type RouteResult } from '@parley/internal-api';
import { InternalAuthGuard, InternalRoute, RouteBody as Body, RouteParams as Params } from '@parley/service-runtime';
import { TokenService } from './token.service';

const route = internalRoutes.identity.token;

/** An access token for the app, the team owner or a person (connectors only). */
@Controller()
@UseGuards(InternalAuthGuard)
export class TokensController {
  constructor(@Inject(TokenService) private readonly tokens: TokenService) {}

  @InternalRoute(route)
  @Header('cache-control', 'no-store')
  issue(@Params(route) { orgId }: RouteParams<typeof route>, @Body(route) body: RouteBody<typeof route>): Promise<RouteResult<typeof route>> {
    return this.tokens.issue(orgId, body);
  }
}

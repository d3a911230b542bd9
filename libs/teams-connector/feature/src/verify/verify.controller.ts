import { Body, Controller, Inject, UseGuards } from '@nestjs/common';
import { internalRoutes, type RouteResult } from '@parley/internal-api';
import { fieldErrors, InternalAuthGuard, InternalRoute, INVALID_REQUEST_PROBLEM, ProblemException } from '@parley/service-runtime';
import { ConnectionVerifier } from './connection-verifier';

const route = internalRoutes['teams-connector'].verifyConnection;

/**
 * gateway -> teams-connector: check Teams credentials before they are stored. The body is parsed here with the
 * route's schema rather than `@RouteBody`, to keep the 400 this endpoint has always answered (its detail naming the connection).
 */
@Controller()
@UseGuards(InternalAuthGuard)
export class VerifyController {
  constructor(@Inject(ConnectionVerifier) private readonly verifier: ConnectionVerifier) {}

  @InternalRoute(route)
  async verify(@Body() body: unknown): Promise<RouteResult<typeof route>> {
    const parsed = route.body.safeParse(body);
    if (!parsed.success) {
      // zod 4 messages never quote the input, so nothing sent (a secret) is echoed.
      const errors = fieldErrors(parsed.error);
      throw new ProblemException(400, `The Teams connection is invalid: ${errors.map((e) => e.field).join(', ')}.`, INVALID_REQUEST_PROBLEM, errors);
    }
    return this.verifier.verify(parsed.data);
  }
}

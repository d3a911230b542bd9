import { Body, Controller, UseGuards } from '@nestjs/common';
import { internalRoutes, type RouteResult } from '@parley/internal-api';
import { fieldErrors, InternalAuthGuard, InternalRoute, INVALID_REQUEST_PROBLEM, ProblemException } from '@parley/service-runtime';
import { SlackUnavailableError } from '@parley/slack-connector-slack-access';
import { ConnectionVerifier } from './connection-verifier';

const route = internalRoutes['slack-connector'].verifyConnection;

/**
 * gateway -> slack-connector: check Slack credentials before identity stores them. The body is parsed here with the
 * route's schema rather than `@RouteBody`, to keep the 400 this endpoint has always answered (its detail naming the connection).
 */
@Controller()
@UseGuards(InternalAuthGuard)
export class VerifyController {
  constructor(private readonly verifier: ConnectionVerifier) {}

  @InternalRoute(route)
  async verify(@Body() body: unknown): Promise<RouteResult<typeof route>> {
    const parsed = route.body.safeParse(body);
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error);
      throw new ProblemException(400, `The Slack connection is invalid: ${errors.map((e) => e.field).join(', ')}.`, INVALID_REQUEST_PROBLEM, errors);
    }
    try {
      return await this.verifier.verify(parsed.data);
    } catch (error) {
      if (error instanceof SlackUnavailableError) {
        throw new ProblemException(503, `Slack could not check the credentials right now (${error.message}); try again.`, 'https://parley.dev/problems/platform-unavailable');
      }
      throw error;
    }
  }
}

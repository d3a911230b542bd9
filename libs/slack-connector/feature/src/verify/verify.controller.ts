import { BadRequestException, Body, Controller, ServiceUnavailableException, UseGuards } from '@nestjs/common';
import { internalRoutes, type RouteResult } from '@parley/internal-api';
import { fieldErrors, InternalAuthGuard, InternalRoute } from '@parley/service-runtime';
import { SlackUnavailableError } from '@parley/slack-connector-slack-access';
import { ConnectionVerifier } from './connection-verifier';

const route = internalRoutes['slack-connector'].verifyConnection;

/**
 * gateway -> slack-connector: check Slack credentials before identity stores them. The body is parsed here with the
 * route's schema rather than `@RouteBody`, to keep the 400 this endpoint has always answered (its detail and type).
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
      throw new BadRequestException({
        type: 'https://parley.dev/problems/invalid-request',
        title: 'Invalid request',
        status: 400,
        detail: `The Slack connection is invalid: ${errors.map((e) => e.field).join(', ')}.`,
        errors,
      });
    }
    try {
      return await this.verifier.verify(parsed.data);
    } catch (error) {
      if (error instanceof SlackUnavailableError) {
        throw new ServiceUnavailableException({
          type: 'https://parley.dev/problems/platform-unavailable',
          title: 'Slack is unavailable',
          status: 503,
          detail: `Slack could not check the credentials right now (${error.message}); try again.`,
        });
      }
      throw error;
    }
  }
}

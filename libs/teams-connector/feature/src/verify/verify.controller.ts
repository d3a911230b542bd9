import { BadRequestException, Body, Controller, Inject, UseGuards } from '@nestjs/common';
import { internalRoutes, type RouteResult } from '@parley/internal-api';
import { InternalAuthGuard, InternalRoute } from '@parley/service-runtime';
import { ConnectionVerifier } from './connection-verifier';

const route = internalRoutes['teams-connector'].verifyConnection;

/**
 * gateway -> teams-connector: check Teams credentials before they are stored. The body is parsed here with the
 * route's schema rather than `@RouteBody`, to keep the 400 this endpoint has always answered (its detail and type).
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
      const errors = parsed.error.issues.flatMap((issue) => {
        const base = issue.path.map(String).join('.');
        if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ field: base ? `${base}.${key}` : key, message: 'unknown field' }));
        return [{ field: base || '(body)', message: issue.message }];
      });
      throw new BadRequestException({
        type: 'urn:parley:problem:invalid-request',
        title: 'Bad Request',
        status: 400,
        detail: `The Teams connection is invalid: ${errors.map((e) => e.field).join(', ')}.`,
        errors,
      });
    }
    return this.verifier.verify(parsed.data);
  }
}

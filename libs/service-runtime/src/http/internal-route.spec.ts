import { Controller, Get, Post } from '@nestjs/common';
import { internalRoutes, routesOf } from '@parley/internal-api';
import { InternalRoute, internalRouteCoverage, mountedHandlers, RouteParamsPipe } from './internal-route';
import { ProblemException, toProblem } from './problem-details';

const routes = internalRoutes.provisioning;

@Controller()
class AllSyncRoutes {
  @InternalRoute(routes.startUserSync)
  start(): string {
    return 'start';
  }

  @InternalRoute(routes.userSyncs)
  list(): string {
    return 'list';
  }

  @InternalRoute(routes.userSync)
  get(): string {
    return 'get';
  }
}

@Controller('internal/orgs/:orgId/user-syncs')
class HandWritten {
  @Get()
  list(): string {
    return 'list';
  }

  @Post(':syncId/cancel')
  cancel(): string {
    return 'cancel';
  }
}

@Controller()
class OneSyncRoute {
  @InternalRoute(routes.userSync)
  get(): string {
    return 'get';
  }

  /** A route of another service, served here by mistake. */
  @InternalRoute(internalRoutes.identity.person)
  person(): string {
    return 'person';
  }
}

describe('@InternalRoute', () => {
  it("mounts the route's method, path and success status, as Nest reads them", () => {
    expect(mountedHandlers([AllSyncRoutes]).map((h) => `${h.method} ${h.path}`)).toEqual([
      'POST /internal/orgs/:orgId/user-syncs',
      'GET /internal/orgs/:orgId/user-syncs',
      'GET /internal/orgs/:orgId/user-syncs/:syncId',
    ]);
    expect(Reflect.getMetadata('__httpCode__', AllSyncRoutes.prototype.start)).toBe(202);
  });

  it('passes the coverage check only when every route is served and every /internal/ handler is a route of the service', () => {
    expect(internalRouteCoverage('provisioning', routesOf('provisioning'), [AllSyncRoutes])).toEqual({ unserved: [], undeclared: [] });
    expect(internalRouteCoverage('provisioning', routesOf('provisioning'), [OneSyncRoute, HandWritten])).toEqual({
      unserved: ['POST /internal/orgs/:orgId/user-syncs', 'GET /internal/orgs/:orgId/user-syncs'],
      undeclared: [
        'GET /internal/orgs/:orgId/people/:personId (OneSyncRoute.person)',
        'GET /internal/orgs/:orgId/user-syncs (HandWritten.list)',
        'POST /internal/orgs/:orgId/user-syncs/:syncId/cancel (HandWritten.cancel)',
      ],
    });
  });
});

describe('route params', () => {
  it("are validated with the route's schema: a bad one is a 400 naming it", () => {
    const pipe = new RouteParamsPipe(routes.userSync);
    expect(pipe.transform({ orgId: 'org_3f9a2c1b7d', syncId: 'anything' })).toEqual({ orgId: 'org_3f9a2c1b7d', syncId: 'anything' });
    const refused = (() => {
      try {
        pipe.transform({ orgId: 'acme', syncId: 'x' });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refused).toBeInstanceOf(ProblemException);
    expect(toProblem(refused, { url: '/internal/orgs/acme/user-syncs/x' })).toMatchObject({
      status: 400,
      detail: 'orgId: expected an org id like org_XXXXXXXX.',
      errors: [{ field: 'orgId', message: 'expected an org id like org_XXXXXXXX' }],
    });
  });
});

import { Inject, Injectable } from '@nestjs/common';
import { routePath, type AnyInternalRoute, type RouteRequest, type RouteResponse, type RouteSendArgs } from '@parley/internal-api';
import type { Logger } from '@parley/observability';
import { INTERNAL_API, LOGGER, type InternalApiAccess } from '@parley/service-runtime';
import { peerProblem } from './peer-errors';

export interface PeerCallOptions {
  /** What the route is about, for a 404: "No such <what>." */
  readonly what: string;
  readonly timeoutMs?: number;
}

/**
 * The gateway's calls to the other services' internal APIs: typed (InternalApiClient with the shared schemas) and
 * answered as problem details when they fail. Failures are logged by peer, method and path only: no body, no
 * query string (it may hold a search for a person's email), no secret.
 */
@Injectable()
export class PeerApi {
  constructor(
    @Inject(INTERNAL_API) private readonly access: InternalApiAccess,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Calls a route of the table (`internalRoutes`) on the service that answers it. */
  async send<R extends AnyInternalRoute>(route: R, request: RouteRequest<R>, options: PeerCallOptions): Promise<RouteResponse<R>> {
    const peer = route.service;
    try {
      return await this.access.client(peer, options.timeoutMs).send(route, ...([request] as RouteSendArgs<R>));
    } catch (error) {
      const { problem, failure } = peerProblem(peer, error, options.what);
      if (failure) {
        this.logger.warn({ ...failure, method: route.method, path: pathForLog(route, request), answered: problem.getStatus() }, 'call to a peer service failed');
      }
      throw problem;
    }
  }
}

/** The path called, never its query string (it may hold a search for a person's email). */
function pathForLog(route: AnyInternalRoute, request: { readonly params?: object }): string {
  try {
    return routePath(route, (request.params ?? {}) as never);
  } catch {
    return route.path;
  }
}

export * from './connections';
export * from './conversations';
export * from './channel-links';
export * from './organizations';
export * from './people';
export * from './user-syncs';
export { InternalApiClient, InternalApiError, type InternalEndpoint, type InternalStream } from './client';
export { publicPaths } from './public-paths';
export { internalRoutes, routesOf, allInternalRoutes, type InternalRoutes } from './internal-routes';
export {
  defineRoute,
  matchRoute,
  routeKey,
  routePath,
  routeQueryString,
  type AnyInternalRoute,
  type HttpMethod,
  type InternalRouteDefinition,
  type InternalService,
  type PathParamNames,
  type RouteBody,
  type RouteBodyIn,
  type RouteParams,
  type RouteParamsIn,
  type RouteQuery,
  type RouteQueryIn,
  type RouteRequest,
  type RouteResponse,
  type RouteResult,
  type RouteSendArgs,
} from './route';

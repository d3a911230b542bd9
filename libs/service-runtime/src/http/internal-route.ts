import { applyDecorators, Body, HttpCode, Injectable, Param, Query, RequestMapping, RequestMethod, SetMetadata, type PipeTransform, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { routeKey, type AnyInternalRoute, type InternalService } from '@parley/internal-api';
import { fieldErrors, INVALID_REQUEST_PROBLEM, ProblemException, ZodValidationPipe } from './problem-details';

/** Metadata key under which `@InternalRoute` keeps the route a handler implements. */
export const INTERNAL_ROUTE_METADATA = 'parley:internal-route';

/**
 * Serves a route of the table (`internalRoutes`) on this handler: its method, its path (the template is already
 * Nest's `:param` syntax) and its success status. The controller is `@Controller()`, without a prefix, so the path
 * is read in one place.
 */
export function InternalRoute(route: AnyInternalRoute): MethodDecorator {
  return applyDecorators(
    RequestMapping({ path: route.path, method: RequestMethod[route.method] }),
    HttpCode(route.status),
    SetMetadata(INTERNAL_ROUTE_METADATA, route),
  );
}

/**
 * Path params, validated with the route's params schema. A bad one is a 400 whose detail starts with the param
 * (`orgId: expected an org id like org_XXXXXXXX.`) and whose `errors` name it.
 */
@Injectable()
export class RouteParamsPipe implements PipeTransform<unknown, unknown> {
  constructor(private readonly route: AnyInternalRoute) {}

  transform(value: unknown): unknown {
    const result = this.route.params.safeParse(value);
    if (result.success) return result.data;
    const errors = fieldErrors(result.error);
    throw new ProblemException(400, `${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}.`, INVALID_REQUEST_PROBLEM, errors);
  }
}

/** `@RouteParams(route) params: RouteParams<typeof route>`: all path params, validated. */
export const RouteParams = (route: AnyInternalRoute): ParameterDecorator => Param(new RouteParamsPipe(route));

/** `@RouteQuery(route) query: RouteQuery<typeof route>`: the query, validated (400 naming each bad field). */
export function RouteQuery(route: AnyInternalRoute): ParameterDecorator {
  if (!route.query) throw new Error(`${routeKey(route)} takes no query`);
  return Query(new ZodValidationPipe(route.query, 'query'));
}

/** `@RouteBody(route) body: RouteBody<typeof route>`: the request body, validated (400 naming each bad field). */
export function RouteBody(route: AnyInternalRoute): ParameterDecorator {
  if (!route.body) throw new Error(`${routeKey(route)} takes no body`);
  return Body(new ZodValidationPipe(route.body));
}

/** A handler of a controller, as Nest will mount it. */
export interface MountedHandler {
  readonly controller: string;
  readonly handler: string;
  readonly method: string;
  readonly path: string;
  /** The table's route, when the handler is declared with `@InternalRoute`. */
  readonly route?: AnyInternalRoute;
}

/** The HTTP handlers of these controllers, read from Nest's own metadata (what Nest mounts, prefix included). */
export function mountedHandlers(controllers: readonly Type[]): MountedHandler[] {
  return controllers.flatMap((controller) => {
    const prefix = (Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined) ?? '';
    const prototype = controller.prototype as Record<string, unknown>;
    return Object.getOwnPropertyNames(prototype).flatMap((name) => {
      const handler = prototype[name];
      if (name === 'constructor' || typeof handler !== 'function') return [];
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (path === undefined || method === undefined) return [];
      const route = Reflect.getMetadata(INTERNAL_ROUTE_METADATA, handler) as AnyInternalRoute | undefined;
      return [prefix].flat().flatMap((p) =>
        [path].flat().map((h) => ({ controller: controller.name, handler: name, method: RequestMethod[method], path: joinPath(p, h), ...(route ? { route } : {}) })),
      );
    });
  });
}

/** What a service serves against what the table says it serves. Both lists are empty when they agree. */
export interface RouteCoverage {
  /** Routes of the table that no handler implements. */
  readonly unserved: string[];
  /** Handlers under /internal/ that are not declared with `@InternalRoute` of one of the service's routes. */
  readonly undeclared: string[];
}

export function internalRouteCoverage(service: InternalService, routes: readonly AnyInternalRoute[], controllers: readonly Type[]): RouteCoverage {
  const own = routes.filter((r) => r.service === service);
  const handlers = mountedHandlers(controllers).filter((h) => h.path.startsWith('/internal/'));
  const served = new Set(handlers.filter((h) => h.route && own.includes(h.route) && routeKey(h.route) === routeKey(h)).map((h) => routeKey(h)));
  return {
    unserved: own.filter((r) => !served.has(routeKey(r))).map((r) => routeKey(r)),
    undeclared: handlers.filter((h) => !h.route || !own.includes(h.route)).map((h) => `${routeKey(h)} (${h.controller}.${h.handler})`),
  };
}

function joinPath(prefix: string, path: string): string {
  const joined = [prefix, path]
    .map((part) => part.replace(/^\/+|\/+$/g, ''))
    .filter((part) => part !== '')
    .join('/');
  return `/${joined}`;
}

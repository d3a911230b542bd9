import type { z } from 'zod';

/** The services that answer internal routes (the gateway only calls them). */
export type InternalService = 'identity' | 'provisioning' | 'slack-connector' | 'teams-connector' | 'relay';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The names of a path template's `:params`: `'/internal/orgs/:orgId/people/:personId'` -> `'orgId' | 'personId'`. */
export type PathParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | PathParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

/** A schema for each of the template's params, and nothing else. */
type ParamsShape<P extends string> = { readonly [K in PathParamNames<P>]: z.ZodType<string, string> };

/**
 * One internal HTTP route: who answers it, how it is called, what it takes and what it answers. The caller
 * (`InternalApiClient.send`), the callee (`@InternalRoute`, `@RouteParams`, `@RouteQuery`, `@RouteBody`) and the test
 * fakes (`matchRoute`) all read it, so a path, method or schema is written once.
 */
export interface InternalRouteDefinition<
  S extends InternalService = InternalService,
  M extends HttpMethod = HttpMethod,
  P extends string = string,
  Params extends z.ZodType = z.ZodType,
  Query extends z.ZodType | undefined = z.ZodType | undefined,
  Body extends z.ZodType | undefined = z.ZodType | undefined,
  Response extends z.ZodType | null = z.ZodType | null,
> {
  readonly service: S;
  readonly method: M;
  /** Express/Nest syntax: `/internal/orgs/:orgId/people/:personId`. */
  readonly path: P;
  readonly params: Params;
  readonly query: Query;
  readonly body: Body;
  /** The success answer's schema; null for an answer without a body (204). */
  readonly response: Response;
  /** The success status the callee answers with. */
  readonly status: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyInternalRoute = InternalRouteDefinition<InternalService, HttpMethod, string, z.ZodType, any, any, any>;

/** Params as a caller gives them: one string per `:param` of the template. */
export type RouteParamsIn<R extends AnyInternalRoute> = { readonly [K in PathParamNames<R['path']>]: string };
/** Params as a handler receives them (validated). */
export type RouteParams<R extends AnyInternalRoute> = z.output<R['params']>;
export type RouteQueryIn<R extends AnyInternalRoute> = R['query'] extends z.ZodType ? z.input<R['query']> : never;
export type RouteQuery<R extends AnyInternalRoute> = R['query'] extends z.ZodType ? z.output<R['query']> : never;
/** The body a caller sends (before the callee's defaults). */
export type RouteBodyIn<R extends AnyInternalRoute> = R['body'] extends z.ZodType ? z.input<R['body']> : never;
/** The body a handler receives (validated, defaults applied). */
export type RouteBody<R extends AnyInternalRoute> = R['body'] extends z.ZodType ? z.output<R['body']> : never;
/** What a handler answers with. */
export type RouteResult<R extends AnyInternalRoute> = R['response'] extends z.ZodType ? z.input<R['response']> : void;
/** What a caller gets back (parsed with the route's response schema). */
export type RouteResponse<R extends AnyInternalRoute> = R['response'] extends z.ZodType ? z.output<R['response']> : undefined;

/** What `send` takes for a route: params when the template has any, the query and body when the route has them. */
export type RouteRequest<R extends AnyInternalRoute> = ([PathParamNames<R['path']>] extends [never] ? { readonly params?: Record<string, never> } : { readonly params: RouteParamsIn<R> }) &
  (R['query'] extends z.ZodType ? (Record<never, never> extends RouteQueryIn<R> ? { readonly query?: RouteQueryIn<R> } : { readonly query: RouteQueryIn<R> }) : { readonly query?: never }) &
  (R['body'] extends z.ZodType ? { readonly body: RouteBodyIn<R> } : { readonly body?: never });

/** The arguments of `send` after the route: the request, optional when the route needs nothing. */
export type RouteSendArgs<R extends AnyInternalRoute> = Record<never, never> extends RouteRequest<R> ? [request?: RouteRequest<R>] : [request: RouteRequest<R>];

type NoExtraKeys<Shape, P extends string> = [Exclude<keyof Shape, PathParamNames<P>>] extends [never] ? unknown : { readonly 'params not in the path': Exclude<keyof Shape, PathParamNames<P>> };

/**
 * Defines a route. The params schema must name exactly the template's `:params` (a missing or extra one does not
 * compile). Success status: `status`, else 204 without a response schema, 201 for POST (Nest's default), 200.
 */
export function defineRoute<
  const S extends InternalService,
  const M extends HttpMethod,
  const P extends `/internal/${string}`,
  Shape extends ParamsShape<P>,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends z.ZodType | null = null,
>(definition: {
  readonly service: S;
  readonly method: M;
  readonly path: P;
  readonly params: z.ZodObject<Shape> & NoExtraKeys<Shape, P>;
  readonly query?: Q;
  readonly body?: B;
  readonly response: R;
  readonly status?: number;
}): InternalRouteDefinition<S, M, P, z.ZodObject<Shape>, Q, B, R> {
  const named = new Set(Object.keys(definition.params.shape));
  const inPath = [...definition.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] as string);
  if (named.size !== inPath.length || inPath.some((name) => !named.has(name))) {
    throw new Error(`route ${definition.method} ${definition.path}: params must name exactly ${inPath.join(', ') || 'nothing'}`);
  }
  const status = definition.status ?? (definition.response === null ? 204 : definition.method === 'POST' ? 201 : 200);
  return {
    service: definition.service,
    method: definition.method,
    path: definition.path,
    params: definition.params,
    query: definition.query as Q,
    body: definition.body as B,
    response: definition.response,
    status,
  };
}

/** The path of a route for these params, each encoded (`/`, `?`, `#` and the rest cannot escape their segment). */
export function routePath<R extends AnyInternalRoute>(route: R, params: RouteParamsIn<R>): string {
  const values = params as Readonly<Record<string, unknown>>;
  return route.path.replace(/:([A-Za-z0-9_]+)/g, (_whole, name: string) => {
    const value = values[name];
    if (typeof value !== 'string' || value === '') throw new Error(`${route.method} ${route.path}: the path param ${name} is missing`);
    return encodeURIComponent(value);
  });
}

/** A query string of the set values, in the order given (`undefined` ones left out); '' when none. */
export function routeQueryString(query: Readonly<Record<string, unknown>> | undefined): string {
  if (!query) return '';
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** `GET /internal/orgs/:orgId`: how a route is named in messages and in the coverage test. */
export function routeKey(route: { readonly method: string; readonly path: string }): string {
  return `${route.method} ${route.path}`;
}

/**
 * For a test fake serving routes of the table: the route's params (decoded) when this request is for it, else
 * undefined. Params are not validated here; the fake answers like the callee would.
 */
export function matchRoute<R extends AnyInternalRoute>(route: R, method: string | undefined, pathname: string): RouteParamsIn<R> | undefined {
  if (method !== route.method) return undefined;
  const names: string[] = [];
  const pattern = route.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:([A-Za-z0-9_]+)/g, (_whole, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const match = new RegExp(`^${pattern}$`).exec(pathname);
  if (!match) return undefined;
  return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1] as string)])) as RouteParamsIn<R>;
}

import type { Readable } from 'node:stream';
import { request as httpRequest } from 'undici';
import type { z } from 'zod';
import { routePath, routeQueryString, type AnyInternalRoute, type HttpMethod, type RouteResponse, type RouteSendArgs } from './route';

/** A problem (RFC 9457) answered by another service's internal API. */
export class InternalApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { type?: string; title?: string; detail?: string; [key: string]: unknown },
    readonly target: string,
  ) {
    super(`${target} answered ${status}: ${problem.detail ?? problem.title ?? 'no detail'}`);
    this.name = 'InternalApiError';
  }
}

/** A binary answer of an internal route, streamed (`InternalApiClient.stream`). */
export interface InternalStream {
  readonly body: Readable;
  readonly contentType: string;
  readonly contentLength?: number;
}

/** Where a service's internal API is and the bearer every internal call carries. */
export interface InternalEndpoint {
  readonly baseUrl: string;
  /** The shared internal token; a function so it is read at call time and never stored as a string field. */
  readonly token: () => string;
  /**
   * Headers of the work in hand, read at call time (the runtime sends the request and correlation ids, so the callee
   * logs under the same ids as the caller).
   */
  readonly contextHeaders?: () => Readonly<Record<string, string>>;
}

/**
 * A small typed client for the services' internal HTTP APIs (`/internal/...`), by the routes of `internalRoutes`.
 * Responses are parsed with the route's schema, so a drift between services fails loudly at the boundary.
 */
export class InternalApiClient {
  constructor(
    private readonly endpoint: InternalEndpoint,
    private readonly timeoutMs = 15_000,
  ) {}

  get baseUrl(): string {
    return this.endpoint.baseUrl;
  }

  /**
   * Calls a route of the table (`internalRoutes`): the path from its template and params, the query and body it
   * takes, the answer parsed with its response schema.
   */
  async send<R extends AnyInternalRoute>(route: R, ...[request]: RouteSendArgs<R>): Promise<RouteResponse<R>> {
    const given = (request ?? {}) as { params?: Record<string, string>; query?: Record<string, unknown>; body?: unknown };
    const path = `${routePath(route, (given.params ?? {}) as never)}${routeQueryString(given.query)}`;
    return (await this.request(route.method, path, route.response, given.body)) as RouteResponse<R>;
  }

  /**
   * Calls a route that answers bytes rather than JSON (a file's content): the answer's body as a stream, with its
   * content type and length, for the caller to pass on without holding the whole file. An error status throws as
   * `send` does. The caller must consume or destroy the stream.
   */
  async stream<R extends AnyInternalRoute>(route: R, ...[request]: RouteSendArgs<R>): Promise<InternalStream> {
    const given = (request ?? {}) as { params?: Record<string, string>; query?: Record<string, unknown> };
    const path = `${routePath(route, (given.params ?? {}) as never)}${routeQueryString(given.query)}`;
    const target = `${route.method} ${this.endpoint.baseUrl}${path}`;
    const response = await httpRequest(`${this.endpoint.baseUrl}${path}`, {
      method: route.method,
      headers: { ...this.endpoint.contextHeaders?.(), authorization: `Bearer ${this.endpoint.token()}` },
      // Only the wait for the answer's head: a large file may take longer than any call's timeout to arrive.
      headersTimeout: this.timeoutMs,
    });
    if (response.statusCode < 200 || response.statusCode > 299) {
      const text = await response.body.text();
      const json = text ? safeJson(text) : undefined;
      throw new InternalApiError(response.statusCode, json && typeof json === 'object' ? (json as Record<string, unknown>) : { detail: text.slice(0, 300) }, target);
    }
    const header = (name: string) => {
      const value = response.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const length = Number(header('content-length'));
    return {
      body: response.body,
      contentType: header('content-type') ?? 'application/octet-stream',
      ...(Number.isFinite(length) ? { contentLength: length } : {}),
    };
  }

  private async request<S extends z.ZodType>(method: HttpMethod, path: string, schema: S | null, body: unknown): Promise<z.output<S>> {
    const target = `${method} ${this.endpoint.baseUrl}${path}`;
    if (body !== undefined && method === 'GET') throw new TypeError(`${target}: a ${method} request cannot have body`);
    // undici's request(), not fetch(): the same pooled keep-alive connections without WHATWG streams, which cost
    // several times the CPU of the call itself on every relayed message (tools/bench/relay-throughput.ts profiles).
    const response = await httpRequest(`${this.endpoint.baseUrl}${path}`, {
      method,
      headers: {
        ...this.endpoint.contextHeaders?.(),
        authorization: `Bearer ${this.endpoint.token()}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.body.text();
    const json = text ? safeJson(text) : undefined;
    if (response.statusCode < 200 || response.statusCode > 299) {
      const problem = json && typeof json === 'object' ? (json as Record<string, unknown>) : { detail: text.slice(0, 300) };
      throw new InternalApiError(response.statusCode, problem, target);
    }
    if (schema === null) return undefined as z.output<S>;
    return schema.parse(json) as z.output<S>;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

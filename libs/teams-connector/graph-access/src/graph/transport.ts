import { Client, ResponseType, RetryHandlerOptions, type ClientOptions } from '@microsoft/microsoft-graph-client';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Dispatcher } from 'undici';
import { GraphRequestError, lowerCaseHeaders, type GraphResponse } from './graph-error';

export type GraphMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface GraphCall {
  readonly method: GraphMethod;
  /** Relative to the version (`/users/delta?...`) or an absolute https Graph URL (an `@odata.nextLink`). */
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * A 2xx answer's body is handed over as a Node Readable, unread (a file's bytes: hostedContents `$value`, a driveItem's
   * content); any other status is read and parsed as usual. The caller must consume or destroy the stream.
   */
  readonly streamBody?: boolean;
}

/** One HTTP exchange with Graph: any status comes back as a response; only an unreachable Graph throws. */
export interface GraphTransport {
  send(call: GraphCall): Promise<GraphResponse>;
}

export interface SdkTransportOptions {
  /** The connection's `graphUrl`, e.g. `https://graph.microsoft.com/v1.0`. */
  readonly graphUrl: string;
  readonly accessToken: () => Promise<string>;
  /** An undici dispatcher for every request (tests trusting a sandbox CA); default: the global one. */
  readonly dispatcher?: Dispatcher;
}

/** `https://host/v1.0` -> the SDK's baseUrl (`https://host/`) and version (`v1.0`). */
export function splitGraphUrl(graphUrl: string): { baseUrl: string; version: string; host: string } {
  const url = new URL(graphUrl);
  const segments = url.pathname.split('/').filter(Boolean);
  const version = segments.pop() ?? 'v1.0';
  const prefix = segments.length ? `/${segments.join('/')}/` : '/';
  return { baseUrl: `${url.origin}${prefix}`, version, host: url.hostname };
}

/**
 * Graph through the official SDK (`Client.initWithMiddleware`): the auth middleware adds the bearer token (the graphUrl's
 * host is a custom host, so a local sandbox gets it too). The SDK's own RetryHandler is switched off per request:
 * retries belong to GraphApi, which paces them, scales Retry-After with the time scale and also retries inside $batch.
 */
export class SdkGraphTransport implements GraphTransport {
  private readonly client: Client;

  constructor(options: SdkTransportOptions) {
    const { baseUrl, version, host } = splitGraphUrl(options.graphUrl);
    this.client = Client.initWithMiddleware({
      authProvider: { getAccessToken: () => options.accessToken() },
      baseUrl,
      defaultVersion: version,
      customHosts: new Set([host]),
      ...(options.dispatcher ? { fetchOptions: { dispatcher: options.dispatcher } as unknown as ClientOptions['fetchOptions'] } : {}),
    });
  }

  async send(call: GraphCall): Promise<GraphResponse> {
    let request = this.client.api(call.path).responseType(ResponseType.RAW).middlewareOptions([new RetryHandlerOptions(0, 0)]);
    for (const [name, value] of Object.entries(call.headers ?? {})) request = request.header(name, value);
    let raw: Response;
    try {
      switch (call.method) {
        case 'GET':
          raw = await request.get();
          break;
        case 'POST':
          raw = await request.post(call.body ?? {});
          break;
        case 'PATCH':
          raw = await request.patch(call.body ?? {});
          break;
        case 'PUT':
          raw = await request.put(call.body ?? {});
          break;
        case 'DELETE':
          raw = await request.delete();
          break;
      }
    } catch (error) {
      throw new GraphRequestError(0, null, describeNetworkError(error), `${call.method} ${redactQuery(call.path)}`);
    }
    if (call.streamBody && raw.status >= 200 && raw.status < 300) {
      const body = raw.body ? Readable.fromWeb(raw.body as unknown as WebReadableStream) : Readable.from([]);
      return { status: raw.status, headers: lowerCaseHeaders(raw.headers), body };
    }
    const text = await raw.text();
    return { status: raw.status, headers: lowerCaseHeaders(raw.headers), body: parseBody(text) };
  }
}

function parseBody(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The cause of a failed fetch (ECONNREFUSED, a certificate problem...), without anything from the request. */
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return 'request failed';
  const cause = (error as { cause?: unknown }).cause;
  const causeText = cause instanceof Error ? `${(cause as { code?: string }).code ?? cause.name}: ${cause.message}` : undefined;
  const own = (error as { body?: unknown }).body;
  return causeText ?? (typeof own === 'string' && own ? own : `${error.name}: ${error.message}`);
}

/** Skip and delta tokens in a link are opaque state, not for logs. */
export function redactQuery(path: string): string {
  const query = path.indexOf('?');
  return query < 0 ? path : `${path.slice(0, query)}?…`;
}

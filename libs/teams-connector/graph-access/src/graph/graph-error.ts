/**
 * A Graph request that did not succeed: the status (0 when Graph could not be reached), Graph's error code and
 * message, and the response headers (Retry-After). Messages come from Graph and never contain the bearer token.
 */
export class GraphRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
    readonly graphMessage: string,
    readonly target: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`${target} answered ${status === 0 ? 'nothing (unreachable)' : status}${code ? ` ${code}` : ''}: ${graphMessage}`);
    this.name = 'GraphRequestError';
  }

  get unreachable(): boolean {
    return this.status === 0;
  }

  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()];
  }
}

/** A Graph answer (2xx, or an inner $batch response of any status) as the caller sees it. */
export interface GraphResponse<T = unknown> {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: T;
}

/** Graph's error body `{error:{code, message}}`, as found in a $batch inner response. */
export function graphErrorOf(body: unknown): { code: string | null; message: string } {
  if (body && typeof body === 'object' && 'error' in body) {
    const error = (body as { error?: { code?: unknown; message?: unknown } }).error;
    return {
      code: typeof error?.code === 'string' ? error.code : null,
      message: typeof error?.message === 'string' ? error.message : 'no message',
    };
  }
  return { code: null, message: typeof body === 'string' ? body.slice(0, 300) : 'no message' };
}

export function lowerCaseHeaders(headers: Headers | Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  if (typeof (headers as Headers).forEach === 'function' && typeof (headers as Headers).get === 'function') {
    (headers as Headers).forEach((value, name) => {
      out[name.toLowerCase()] = value;
    });
    return out;
  }
  for (const [name, value] of Object.entries(headers as Record<string, string>)) out[name.toLowerCase()] = String(value);
  return out;
}

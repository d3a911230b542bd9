import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { currentLogContext, withLogContext, type Logger } from '@parley/observability';

/** The id of one HTTP request: answered in this header, and honoured when a caller (or a peer) sends a sane one. */
export const REQUEST_ID_HEADER = 'X-Request-Id';
/** The id of the work a request belongs to; peers send it on internal calls, events carry it as `correlationid`. */
export const CORRELATION_ID_HEADER = 'X-Correlation-Id';

/** Long enough for a UUID, a ULID or a load balancer's trace id; short enough to keep log lines small. */
export const MAX_ID_LENGTH = 128;
/** Characters of UUIDs, ULIDs, base64 and `Root=1-...` style ids; nothing that needs quoting in a log or a header. */
const SAFE_ID = /^[A-Za-z0-9._:=+/@-]+$/;

export type IncomingId = { readonly id: string } | { readonly rejected: string } | { readonly absent: true };

/**
 * Whether an id a caller sent can be used as is. Node joins a repeated header with ", ", which the safe characters
 * refuse, so two ids never become one.
 */
export function checkIncomingId(value: string | readonly string[] | undefined): IncomingId {
  if (value === undefined) return { absent: true };
  if (typeof value !== 'string') return { rejected: 'sent more than once' };
  if (value.length === 0) return { rejected: 'empty' };
  if (value.length > MAX_ID_LENGTH) return { rejected: `longer than ${MAX_ID_LENGTH} characters` };
  if (!SAFE_ID.test(value)) return { rejected: 'characters other than letters, digits and ._:=+/@-' };
  return { id: value };
}

/** The ids a request is handled under; the problem filter and the request log read them from here. */
export interface RequestIds {
  readonly requestId: string;
  readonly correlationId: string;
}

const idsByRequest = new WeakMap<object, RequestIds>();

/** The ids the request-context middleware gave this request, if it ran. */
export function requestIdsOf(request: object): RequestIds | undefined {
  return idsByRequest.get(request);
}

export interface RequestContextOptions {
  readonly logger: Logger;
  /** Whether the request comes from a peer: only a peer's correlation id is adopted (the edge starts the work). */
  readonly fromPeer: (authorization: string | undefined) => boolean;
}

/** Requests an orchestrator makes every few seconds: their lines go to debug, or they would drown the rest. */
const PROBES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Express middleware, first in the chain: gives the request its ids, answers the request id in `X-Request-Id`, and
 * runs the rest of the request inside the log context, so every line written while handling it (and every event
 * published meanwhile, through the outbox's correlation id) carries them. Writes one line per request when the
 * response is finished, or when the caller closed the connection before it was.
 */
export function requestContextMiddleware(options: RequestContextOptions): (request: Request, response: Response, next: NextFunction) => void {
  const { logger } = options;
  return (request, response, next) => {
    const started = process.hrtime.bigint();
    const incoming = checkIncomingId(request.headers['x-request-id']);
    const requestId = 'id' in incoming ? incoming.id : randomUUID();
    const fromPeer = options.fromPeer(request.headers.authorization);
    const correlation = fromPeer ? checkIncomingId(request.headers['x-correlation-id']) : { absent: true as const };
    const ids: RequestIds = { requestId, correlationId: 'id' in correlation ? correlation.id : requestId };
    idsByRequest.set(request, ids);
    response.setHeader(REQUEST_ID_HEADER, requestId);
    withLogContext(ids, () => {
      // The value itself is not logged: it is whatever a caller chose to send.
      if ('rejected' in incoming) logger.debug({ header: REQUEST_ID_HEADER, reason: incoming.rejected }, 'ignored the request id sent, made a new one');
      if ('rejected' in correlation) logger.debug({ header: CORRELATION_ID_HEADER, reason: correlation.rejected }, 'ignored the correlation id sent');
      const path = (request.originalUrl ?? request.url).split('?')[0] as string;
      response.once('finish', () => {
        const line = { method: request.method, path, status: response.statusCode, durationMs: Number(process.hrtime.bigint() - started) / 1e6 };
        // Every public request and every failed one at info; a peer's successful internal calls and probes at debug.
        const quiet = PROBES.has(path) || (path.startsWith('/internal/') && response.statusCode < 400);
        withLogContext(ids, () => (quiet ? logger.debug(line, 'request handled') : logger.info(line, 'request handled')));
      });
      // The caller closed the connection before the answer was sent (a platform's 3-s wait, a peer's timeout): no
      // 'finish' comes, and without this line a request that took too long would leave no trace at all.
      response.once('close', () => {
        if (response.writableFinished) return;
        const line = { method: request.method, path, durationMs: Number(process.hrtime.bigint() - started) / 1e6 };
        withLogContext(ids, () => logger.warn(line, 'request abandoned: the caller closed the connection before the answer'));
      });
      next();
    });
  };
}

/**
 * The headers an internal call carries so the callee logs under the same ids: the request id of the request in hand
 * (if any) and the correlation id of the work (a request's, or the event's being handled).
 */
export function outgoingContextHeaders(): Record<string, string> {
  const { requestId, correlationId } = currentLogContext();
  return {
    ...(requestId ? { [REQUEST_ID_HEADER.toLowerCase()]: requestId } : {}),
    ...(correlationId ? { [CORRELATION_ID_HEADER.toLowerCase()]: correlationId } : {}),
  };
}

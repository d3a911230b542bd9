/**
 * Failures that say a dependency is down or restarting, not that the work is wrong: a peer refusing or dropping the
 * connection, a timeout, a 502/503/504, PostgreSQL shutting down or out of connections, Redis away. Retried for longer than other
 * failures (RetryPolicy.transientForMs), because a restart takes seconds and the message is fine.
 */
const TRANSIENT_CODES = new Set([
  // Node's sockets and DNS.
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  // undici (fetch and request).
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  // PostgreSQL: shutting down, cannot connect now, connection lost, too many connections.
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
  '53300',
]);
const TRANSIENT_STATUSES = new Set([502, 503, 504]);
/** Names of errors whose meaning is "it took too long" (AbortSignal.timeout, undici's timeouts). */
const TRANSIENT_NAMES = new Set(['TimeoutError', 'ConnectTimeoutError', 'HeadersTimeoutError', 'SocketError']);
/**
 * Error classes of the Redis client (@redis/client) that mean Redis is away: its classes keep the name `Error`, so
 * they are known by their constructor. Without an offline queue (libs/cache), every call while Redis restarts rejects
 * with ClientOfflineError until the client has reconnected. (ClientClosedError is not here: that client was closed
 * by its owner.)
 */
const TRANSIENT_CLASSES = new Set(['ClientOfflineError', 'SocketClosedUnexpectedlyError', 'ConnectionTimeoutError', 'SocketTimeoutError', 'ReconnectStrategyError']);

export function isTransientFailure(error: unknown, depth = 0): boolean {
  if (depth > 5 || typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; status?: unknown; statusCode?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown; transient?: unknown };
  if (e.transient === true) return true;
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (status !== undefined && TRANSIENT_STATUSES.has(status)) return true;
  if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
  if (TRANSIENT_CLASSES.has((error as object).constructor?.name ?? '')) return true;
  // node-postgres, when the server goes away under a query.
  if (typeof e.message === 'string' && /^Connection terminated( unexpectedly| due to connection timeout)?$/.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isTransientFailure(inner, depth + 1))) return true;
  return isTransientFailure(e.cause, depth + 1);
}

import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written while handling one message or request should say about it. */
export interface LogContext {
  readonly correlationId?: string;
  readonly orgId?: string;
  readonly topic?: string;
  readonly eventId?: string;
  readonly requestId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/**
 * The one AsyncLocalStorage of the process. When tracing is on, the OpenTelemetry context rides in the same store
 * (tracing.ts) under a symbol key: a second storage would make every promise of the process carry and copy a second
 * store. Object spread copies the key (so `withLogContext` keeps the trace context in force); Object.entries, and so
 * log lines, never show it.
 */
const TRACE_SLOT = Symbol('parley.traceContext');
type Store = LogContext & { [TRACE_SLOT]?: unknown };

/** For the tracing module (not exported from the library): the storage, the active trace context, a store with one. */
export const sharedStorage = {
  storage: storage as AsyncLocalStorage<Store>,
  traceContext: (): unknown => (storage.getStore() as Store | undefined)?.[TRACE_SLOT],
  storeWith: (traceContext: unknown): Store => ({ ...storage.getStore(), [TRACE_SLOT]: traceContext }),
  /** Runs fn with ctx merged over the current context and this trace context in force: one store for both. */
  runWith: <T>(ctx: LogContext, traceContext: unknown, fn: () => T): T => run(ctx, traceContext, fn),
};

/** Runs fn with ctx merged over the current context; everything it awaits logs with these fields. */
export function withLogContext<T>(ctx: LogContext, fn: () => T): T {
  return run(ctx, undefined, fn);
}

function run<T>(ctx: LogContext, traceContext: unknown, fn: () => T): T {
  // On the hot path of every message: a plain loop, no intermediate arrays.
  // The spread also copies the trace context's symbol key (tracing on): it stays in force unless replaced.
  const merged: Store = { ...storage.getStore() };
  for (const key in ctx) {
    const value = ctx[key as keyof LogContext];
    if (value !== undefined) (merged as Record<string, string>)[key] = value;
  }
  if (traceContext !== undefined) merged[TRACE_SLOT] = traceContext;
  return storage.run(merged, fn);
}

export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}

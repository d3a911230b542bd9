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
 * (tracing.ts), in a non-enumerable slot: a second storage would make every promise of the process carry and copy a
 * second store. The slot is no log field, and neither spreads nor equality checks see it.
 */
const TRACE_SLOT = Symbol('parley.traceContext');
type Store = LogContext & { [TRACE_SLOT]?: unknown };

function withTraceSlot<S extends object>(store: S, traceContext: unknown): S {
  if (traceContext !== undefined) Object.defineProperty(store, TRACE_SLOT, { value: traceContext, enumerable: false });
  return store;
}

/** For the tracing module (not exported from the library): the storage, the active trace context, a store with one. */
export const sharedStorage = {
  storage: storage as AsyncLocalStorage<Store>,
  traceContext: (): unknown => (storage.getStore() as Store | undefined)?.[TRACE_SLOT],
  storeWith: (traceContext: unknown): Store => withTraceSlot({ ...storage.getStore() }, traceContext),
};

/** Runs fn with ctx merged over the current context; everything it awaits logs with these fields. */
export function withLogContext<T>(ctx: LogContext, fn: () => T): T {
  // On the hot path of every message: a plain loop, no intermediate arrays.
  const current = storage.getStore() as Store | undefined;
  const merged: Record<string, string> = { ...(current as Record<string, string> | undefined) };
  for (const key in ctx) {
    const value = ctx[key as keyof LogContext];
    if (value !== undefined) merged[key] = value;
  }
  // The trace context in force (tracing on) stays in force.
  return storage.run(withTraceSlot(merged, current?.[TRACE_SLOT]), fn);
}

export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}

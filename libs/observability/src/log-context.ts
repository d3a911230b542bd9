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

/** Runs fn with ctx merged over the current context; everything it awaits logs with these fields. */
export function withLogContext<T>(ctx: LogContext, fn: () => T): T {
  // On the hot path of every message: a plain loop, no intermediate arrays.
  const merged: Record<string, string> = { ...(storage.getStore() as Record<string, string> | undefined) };
  for (const key in ctx) {
    const value = ctx[key as keyof LogContext];
    if (value !== undefined) merged[key] = value;
  }
  return storage.run(merged, fn);
}

export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}

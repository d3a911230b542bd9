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
  const merged = { ...storage.getStore(), ...stripUndefined(ctx) };
  return storage.run(merged, fn);
}

export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}

function stripUndefined(ctx: LogContext): LogContext {
  return Object.fromEntries(Object.entries(ctx).filter(([, v]) => v !== undefined)) as LogContext;
}

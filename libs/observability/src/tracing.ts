import type { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { sharedStorage, withLogContext, type LogContext } from './log-context';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type ContextManager,
  type Link,
  type Span,
  type SpanContext,
  type TextMapGetter,
  type Tracer,
  TraceFlags,
} from '@opentelemetry/api';

/**
 * OpenTelemetry traces (ADR 0025). Started only when OTEL_EXPORTER_OTLP_ENDPOINT (or the traces-only variant) is set:
 * otherwise the SDK is not even loaded, the API stays a no-op, and the helpers below return at their first line.
 */
export interface TracingOptions {
  /** The OTel `service.name`: the service, or `parley-embedded` for the single process. */
  readonly service: string;
  readonly env?: NodeJS.ProcessEnv;
}

interface RunningSdk {
  shutdown(): Promise<void>;
}

let sdk: RunningSdk | undefined;
/**
 * Whether the sampler in force follows a parent's decision: the SDK's default (parentbased_always_on) and every
 * parentbased_* sampler do, and leave a span whose parent was not sampled unsampled. A message whose producer was not
 * sampled then needs no span here at all, only its context carried on (ADR 0030): the SDK would make a non-recording
 * span, but only after building its options, cleaning its attributes and asking the sampler, on every message.
 */
let parentDecides = false;
const TRACER = 'parley';
let cachedTracer: Tracer | undefined;
/** The tracer of the provider in force (looked up once per provider: this is on the path of every message). */
function tracer(): Tracer {
  return (cachedTracer ??= trace.getTracer(TRACER));
}

/** Paths probed every few seconds by orchestrators and scrapers: no spans for them. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export function tracingEndpointConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env['OTEL_SDK_DISABLED'] ?? '').trim().toLowerCase() === 'true') return false;
  if ((env['OTEL_TRACES_EXPORTER'] ?? '').trim().toLowerCase() === 'none') return false;
  return Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim() || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim());
}

/**
 * Starts the OTel Node SDK: traces only (metrics stay on /metrics with prom-client, logs stay pino lines carrying
 * trace_id), exported over OTLP with the protocol OTEL_EXPORTER_OTLP_PROTOCOL names (default http/protobuf). Must run
 * before express, pg, redis and Nest are loaded: each app's first import is its `instrument.ts`.
 * Returns false when no endpoint is configured: nothing is loaded or started.
 */
export function startTracing(options: TracingOptions): boolean {
  if (sdk) return true;
  if (!tracingEndpointConfigured(options.env)) return false;
  // Loaded lazily (require, not import): a process without an endpoint never loads the SDK.
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
  const { NestInstrumentation } = require('@opentelemetry/instrumentation-nestjs-core') as typeof import('@opentelemetry/instrumentation-nestjs-core');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { RedisInstrumentation } = require('@opentelemetry/instrumentation-redis') as typeof import('@opentelemetry/instrumentation-redis');
  applyBatchDefaults(process.env);
  const started = new NodeSDK({
    serviceName: options.service,
    contextManager: sharedContextManager(),
    // Traces only: an unset OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER would otherwise mean OTLP for those too.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0] ?? '') }),
      // fetch (the internal API client, Slack and Graph clients): spans, and traceparent on every outgoing request.
      new UndiciInstrumentation(),
      new ExpressInstrumentation(),
      new NestInstrumentation(),
      // Queries outside a traced request or message (the outbox relay's polling) would each be a root span.
      new PgInstrumentation({ requireParentSpan: true }),
      new RedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  started.start();
  sdk = started;
  parentDecides = followsParent(process.env['OTEL_TRACES_SAMPLER']);
  return true;
}

/** True for the SDK's default sampler and the parentbased_* ones (the variable the SDK itself reads). */
export function followsParent(sampler: string | undefined): boolean {
  const name = (sampler ?? '').trim().toLowerCase();
  return name === '' || name.startsWith('parentbased_');
}

/** The span context a parent-following sampler leaves unsampled: a valid one whose sampled flag is off. */
function unsampledParent(parent: Context): boolean {
  if (!parentDecides) return false;
  const ids = trace.getSpanContext(parent);
  return ids !== undefined && (ids.traceFlags & TraceFlags.SAMPLED) === 0 && trace.isSpanContextValid(ids);
}

/**
 * Our defaults for the batch span processor's standard variables, where the environment does not set them. The SDK's
 * (a queue of 2048 spans, exported 512 at a time, at the latest every 5 s) drop spans when the bus publishes a few of
 * its 500-record batches while an export is in flight: every message makes a send and a process span. A queue of
 * 16 384 absorbs those bursts, 1 024 spans per request (about 250 KB of protobuf) halves the requests and their
 * per-request work, and exporting at least every second keeps a trace's spans arriving together at the collector.
 */
export const BATCH_SPAN_DEFAULTS: Readonly<Record<string, string>> = {
  OTEL_BSP_MAX_QUEUE_SIZE: '16384',
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1024',
  OTEL_BSP_SCHEDULE_DELAY: '1000',
};

function applyBatchDefaults(env: NodeJS.ProcessEnv): void {
  for (const [name, value] of Object.entries(BATCH_SPAN_DEFAULTS)) if (!env[name]?.trim()) env[name] = value;
}

/**
 * OTel's AsyncLocalStorage context manager, but keeping the active context in the log context's storage (ADR 0030):
 * one store per async resource instead of two. `withLogContext` keeps it in force when it extends the store. Event
 * emitter and function binding are the base class's.
 */
function sharedContextManager(): ContextManager {
  // Loaded with the SDK, only when tracing is on.
  const { AsyncLocalStorageContextManager: Base } = require('@opentelemetry/context-async-hooks') as typeof import('@opentelemetry/context-async-hooks');
  const { storage, traceContext, storeWith } = sharedStorage;
  class SharedStorageContextManager extends Base {
    private sharing = false;

    override active(): Context {
      return ((this.sharing ? traceContext() : undefined) as Context | undefined) ?? ROOT_CONTEXT;
    }

    override with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
      const callback = thisArg == null ? fn : (fn.bind(thisArg) as F);
      if (!this.sharing) return callback(...args);
      return storage.run(storeWith(ctx), callback, ...args);
    }

    override attach(ctx: Context): ReturnType<AsyncLocalStorageContextManager['attach']> {
      const previous = storage.getStore();
      storage.enterWith(storeWith(ctx));
      let disposed = false;
      return {
        dispose: () => {
          if (disposed) return;
          disposed = true;
          storage.enterWith(previous ?? {});
        },
      };
    }

    override enable(): this {
      this.sharing = true;
      return this;
    }

    override disable(): this {
      this.sharing = false;
      return this;
    }
  }
  return new SharedStorageContextManager();
}

/** Exports what is still buffered; called on shutdown before the process exits. */
export async function stopTracing(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  parentDecides = false;
  cachedTracer = undefined;
  await running?.shutdown().catch(() => undefined);
}

/** True once startTracing started the SDK in this process. */
export function tracingActive(): boolean {
  return sdk !== undefined;
}

/** The trace and span id of the active span, for log lines; undefined when none is recording. */
export function currentTraceIds(): { trace_id: string; span_id: string } | undefined {
  if (!sdk) return undefined;
  const span = trace.getSpan(context.active());
  if (!span) return undefined;
  const ids = span.spanContext();
  return trace.isSpanContextValid(ids) ? { trace_id: ids.traceId, span_id: ids.spanId } : undefined;
}

/** `traceparent` (and `tracestate`) of the active span, to store with an event; {} when tracing is off or idle. */
export function traceContextHeaders(): Record<string, string> {
  if (!sdk) return {};
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

const headerGetter: TextMapGetter<Readonly<Record<string, string>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

/**
 * The span context of a `traceparent` as this code writes it (version 00, no `tracestate`), read without the
 * propagator's general parser: this runs for every message on both sides of every hop. Anything else (another
 * version, a tracestate) goes through the configured propagator.
 */
function remoteParent(headers: Readonly<Record<string, string>>): SpanContext | undefined {
  const value = headers['traceparent'];
  if (value === undefined || headers['tracestate'] !== undefined) return undefined;
  if (value.length !== 55 || !value.startsWith('00-') || value[35] !== '-' || value[52] !== '-') return undefined;
  const parent: SpanContext = { traceId: value.slice(3, 35), spanId: value.slice(36, 52), traceFlags: Number.parseInt(value.slice(53), 16), isRemote: true };
  return Number.isNaN(parent.traceFlags) || !trace.isSpanContextValid(parent) ? undefined : parent;
}

/**
 * The contexts of the `traceparent`s read lately. A Kafka send's records all carry the same one (one send span per
 * send), but a consumer handles its partitions' messages interleaved, so the last one alone would rarely match.
 * Contexts are immutable, so the same header value can give the same context; cleared when full.
 */
const recentParents = new Map<string, Context>();
const RECENT_PARENTS = 256;

/** The context a message's headers carry (its producer's span), or the root context. */
function extracted(headers: Readonly<Record<string, string>>): Context {
  const value = headers['traceparent'];
  if (value === undefined) return ROOT_CONTEXT;
  const known = headers['tracestate'] === undefined ? recentParents.get(value) : undefined;
  if (known) return known;
  const parent = remoteParent(headers);
  if (!parent) return propagation.extract(ROOT_CONTEXT, headers, headerGetter);
  const found = trace.setSpanContext(ROOT_CONTEXT, parent);
  if (recentParents.size >= RECENT_PARENTS) recentParents.clear();
  recentParents.set(value, found);
  return found;
}

function linkTo(parent: Context): Link[] {
  const span = trace.getSpan(parent);
  return span && trace.isSpanContextValid(span.spanContext()) ? [{ context: span.spanContext() }] : [];
}

/** The `traceparent` (and `tracestate`) that continue from the given span, in W3C form. */
function traceHeaders(span: Span, parent: Context): Record<string, string> {
  const ids = span.spanContext();
  if (ids.traceState !== undefined || !trace.isSpanContextValid(ids)) {
    const out: Record<string, string> = {};
    propagation.inject(trace.setSpan(parent, span), out);
    return out;
  }
  return { traceparent: `00-${ids.traceId}-${ids.spanId}-${ids.traceFlags < 16 ? '0' : ''}${ids.traceFlags.toString(16)}` };
}

export interface PublishSpans {
  /** A copy of each record's headers whose traceparent is its `send` span's, so a consumer continues from it. */
  readonly headers: readonly Record<string, string>[];
  end(error?: unknown): void;
}

/** The records of one send: same topic, same parent context. */
interface SendGroup {
  /** The headers to put over each record's: the send span's trace context, or the unsampled parent's. */
  readonly trace: Readonly<Record<string, string>> | undefined;
  readonly span: Span | undefined;
  records: number;
}

/**
 * PRODUCER spans for the records of one Kafka send: one `send <topic>` span per topic and parent context, a child of
 * that context (the request or message that caused the events, possibly long ago through the outbox), not of whatever
 * publish call is in flight. Records with no stored context are sent in the context active now: the work that
 * publishes them in one batch is one trace, not one trace per record (ADR 0030). Every record carries its span's
 * `traceparent`, so each consumer's `process` span continues the trace.
 */
export function startPublishSpans(records: readonly { readonly topic: string; readonly headers: Readonly<Record<string, string>> }[]): PublishSpans | undefined {
  if (!sdk) return undefined;
  const groups = new Map<string, SendGroup>();
  let active: Context | undefined;
  const headers = records.map((record) => {
    const stored = record.headers['traceparent'];
    const key = stored === undefined ? record.topic : `${record.topic}\n${stored}\n${record.headers['tracestate'] ?? ''}`;
    let group = groups.get(key);
    if (!group) {
      group = openSendGroup(record.topic, stored === undefined ? (active ??= context.active()) : extracted(record.headers), stored !== undefined);
      groups.set(key, group);
    }
    group.records++;
    return group.trace ? { ...record.headers, ...group.trace } : { ...record.headers };
  });
  return {
    headers,
    end(error?: unknown) {
      for (const { span, records: count } of groups.values()) {
        if (!span) continue;
        if (span.isRecording() && count > 1) span.setAttribute('messaging.batch.message_count', count);
        if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        span.end();
      }
    },
  };
}

function openSendGroup(topic: string, parent: Context, stored: boolean): SendGroup {
  if (unsampledParent(parent)) {
    // Not sampled where it began: the records carry that decision on, and no span is made for them.
    if (stored) return { trace: undefined, span: undefined, records: 0 };
    const carried: Record<string, string> = {};
    propagation.inject(parent, carried);
    return { trace: carried, span: undefined, records: 0 };
  }
  // Attributes only on a recording span: the SDK copies and checks them before it asks the sampler.
  const span = tracer().startSpan(`send ${topic}`, { kind: SpanKind.PRODUCER }, parent);
  if (span.isRecording()) span.setAttributes({ 'messaging.system': 'kafka', 'messaging.destination.name': topic });
  return { trace: traceHeaders(span, parent), span, records: 0 };
}

/**
 * Runs a consumer's handling of one message with its log context and, when tracing is on, in a CONSUMER `process`
 * span: a child of the producer's span (so one trace runs from the admin's request through every hop) that also links
 * to it, as OTel's messaging conventions do. One store per message holds both contexts (ADR 0030).
 */
export async function withConsumerSpan<T>(
  message: { readonly topic: string; readonly group: string; readonly partition: number; readonly headers: Readonly<Record<string, string>> },
  fn: () => Promise<T>,
  log: LogContext = {},
): Promise<T> {
  if (!sdk) return withLogContext(log, fn);
  const parent = extracted(message.headers);
  // Its producer was not sampled: handled in the producer's context (what it publishes stays unsampled), no span.
  if (unsampledParent(parent)) return sharedStorage.runWith(log, parent, fn);
  const span = tracer().startSpan(`process ${message.topic}`, { kind: SpanKind.CONSUMER, links: linkTo(parent) }, parent);
  if (span.isRecording()) {
    span.setAttributes({ 'messaging.system': 'kafka', 'messaging.destination.name': message.topic, 'messaging.consumer.group.name': message.group });
  }
  try {
    return await sharedStorage.runWith(log, trace.setSpan(parent, span), fn);
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}

export interface RecordedSpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly links: readonly { readonly traceId: string; readonly spanId: string }[];
  readonly attributes: Readonly<Record<string, unknown>>;
}

/**
 * For tests: a real tracer provider (W3C propagation, AsyncLocalStorage context) recording spans in memory, so a test
 * sees exactly what an exporter would get. `stop()` puts the no-op API back.
 */
export function recordSpansForTests(): { spans(): RecordedSpan[]; stop(): Promise<void> } {
  // Test-only SDK parts, required here so a service never loads them.
  const { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } = require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
  const { W3CTraceContextPropagator } = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const contextManager = sharedContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const running = { shutdown: () => provider.shutdown() };
  sdk = running;
  // The provider's default sampler: parentbased_always_on.
  parentDecides = true;
  cachedTracer = undefined;
  return {
    spans: () =>
      exporter.getFinishedSpans().map((s) => ({
        name: s.name,
        kind: s.kind,
        traceId: s.spanContext().traceId,
        spanId: s.spanContext().spanId,
        parentSpanId: s.parentSpanContext?.spanId,
        links: s.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId })),
        attributes: { ...s.attributes },
      })),
    async stop() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
      if (sdk === running) sdk = undefined;
      cachedTracer = undefined;
    },
  };
}

/** For tests: runs fn inside a new root span, as an instrumented HTTP request would. */
export function inSpanForTests<T>(name: string, fn: (ids: { traceId: string; spanId: string }) => T): T {
  return tracer().startActiveSpan(name, (span) => {
    try {
      return fn({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId });
    } finally {
      span.end();
    }
  });
}

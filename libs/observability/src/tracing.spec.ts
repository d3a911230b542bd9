import { Writable } from 'node:stream';
import { SpanKind } from '@opentelemetry/api';
import {
  createLogger,
  currentLogContext,
  currentTraceIds,
  followsParent,
  inSpanForTests,
  recordSpansForTests,
  startPublishSpans,
  startTracing,
  traceContextHeaders,
  tracingActive,
  tracingEndpointConfigured,
  withConsumerSpan,
  withLogContext,
} from './index';

describe('tracing switched off (no OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  it('starts nothing and leaves records and log lines as they were', async () => {
    expect(startTracing({ service: 'identity', env: {} })).toBe(false);
    expect(tracingActive()).toBe(false);
    expect(traceContextHeaders()).toEqual({});
    expect(currentTraceIds()).toBeUndefined();
    expect(startPublishSpans([{ topic: 't', headers: {} }])).toBeUndefined();
    await expect(withConsumerSpan({ topic: 't', group: 'g', partition: 0, headers: {} }, async () => 7)).resolves.toBe(7);
  });

  it('is configured by the endpoint alone, and OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none still win', () => {
    expect(tracingEndpointConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingEndpointConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingEndpointConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' })).toBe(false);
    expect(tracingEndpointConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(tracingEndpointConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
  });
});

describe('tracing switched on', () => {
  let recorder: ReturnType<typeof recordSpansForTests>;
  beforeEach(() => {
    recorder = recordSpansForTests();
  });
  afterEach(() => recorder.stop());

  it('stores the active span as traceparent, and a send span continues that trace, not the publishing caller', () => {
    const stored = inSpanForTests('POST /user-syncs', () => traceContextHeaders());
    expect(stored['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const [, requestTrace, requestSpan] = (stored['traceparent'] as string).split('-');

    // Later, the outbox relay publishes the stored record while working on something else.
    const spans = inSpanForTests('outbox drain', () => startPublishSpans([{ topic: 'parley.x.v1', headers: stored }]));
    spans?.end();
    const send = recorder.spans().find((s) => s.name === 'send parley.x.v1');
    expect(send).toMatchObject({ kind: SpanKind.PRODUCER, traceId: requestTrace, parentSpanId: requestSpan });
    expect(spans?.headers[0]?.['traceparent']).toBe(`00-${requestTrace}-${send?.spanId}-01`);
  });

  it('handles a message in a consumer span that is a child of the send span and links to it, with ids in log lines', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      service: 'identity',
      level: 'info',
      format: 'json',
      destination: new Writable({
        write(chunk, _e, done) {
          lines.push(JSON.parse(String(chunk)));
          done();
        },
      }),
    });
    const traceId = 'a'.repeat(32);
    const sendSpan = 'b'.repeat(16);
    let inside: ReturnType<typeof currentTraceIds>;
    await withConsumerSpan({ topic: 'parley.x.v1', group: 'identity', partition: 3, headers: { traceparent: `00-${traceId}-${sendSpan}-01` } }, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      inside = currentTraceIds();
      logger.info('handled');
    });
    const process = recorder.spans().find((s) => s.name === 'process parley.x.v1');
    expect(process).toMatchObject({ kind: SpanKind.CONSUMER, traceId, parentSpanId: sendSpan, links: [{ traceId, spanId: sendSpan }] });
    expect(inside).toEqual({ trace_id: traceId, span_id: process?.spanId });
    expect(lines[0]).toMatchObject({ msg: 'handled', trace_id: traceId, span_id: process?.spanId });
  });

  it('starts a new trace for a message that carries none', async () => {
    await withConsumerSpan({ topic: 't', group: 'g', partition: 0, headers: {} }, async () => undefined);
    const [process] = recorder.spans();
    expect(process?.parentSpanId).toBeUndefined();
    expect(process?.links).toEqual([]);
  });

  it('keeps the trace context and the log context in one store: each survives the other being extended', async () => {
    const seen: { log: Record<string, unknown>; ids: ReturnType<typeof currentTraceIds> }[] = [];
    await withLogContext({ requestId: 'req-1' }, () =>
      withConsumerSpan({ topic: 'parley.x.v1', group: 'g', partition: 0, headers: {} }, () =>
        withLogContext({ topic: 'parley.x.v1' }, async () => {
          await new Promise((resolve) => setImmediate(resolve));
          seen.push({ log: Object.fromEntries(Object.entries(currentLogContext())), ids: currentTraceIds() });
        }),
      ),
    );
    const [process] = recorder.spans();
    expect(seen).toEqual([{ log: { requestId: 'req-1', topic: 'parley.x.v1' }, ids: { trace_id: process?.traceId, span_id: process?.spanId } }]);
    // Outside, neither is left behind.
    expect(currentTraceIds()).toBeUndefined();
    expect(currentLogContext()).toEqual({});
  });

  it('reads a traceparent with a tracestate, another version or a bad form through the propagator, as W3C says', async () => {
    const traceId = 'c'.repeat(32);
    const parent = 'd'.repeat(16);
    const handle = (headers: Record<string, string>) => withConsumerSpan({ topic: 'parley.x.v1', group: 'g', partition: 0, headers }, async () => undefined);
    await handle({ traceparent: `00-${traceId}-${parent}-01`, tracestate: 'vendor=1' });
    await handle({ traceparent: `01-${traceId}-${parent}-01-future` });
    await handle({ traceparent: `00-${'0'.repeat(32)}-${parent}-01` });
    await handle({ traceparent: `00-${traceId}-${parent}-0x` });
    const [withState, future, zeros, badFlags] = recorder.spans();
    expect(withState).toMatchObject({ traceId, parentSpanId: parent });
    expect(future).toMatchObject({ traceId, parentSpanId: parent });
    for (const root of [zeros, badFlags]) expect(root).toMatchObject({ parentSpanId: undefined, links: [] });
    // A send span continues a tracestate it was given.
    const spans = startPublishSpans([{ topic: 'parley.x.v1', headers: { traceparent: `00-${traceId}-${parent}-01`, tracestate: 'vendor=1' } }]);
    spans?.end();
    expect(spans?.headers[0]).toEqual({ traceparent: expect.stringMatching(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`)), tracestate: 'vendor=1' });
  });

  it('makes no span for a message its producer did not sample, and what its handler publishes stays in that unsampled trace', async () => {
    const traceId = 'a1'.repeat(16);
    const producerSpan = 'b2'.repeat(8);
    const incoming = { traceparent: `00-${traceId}-${producerSpan}-00` };
    const { published, ids } = await withConsumerSpan({ topic: 'parley.x.v1', group: 'relay', partition: 0, headers: incoming }, async () => ({
      published: traceContextHeaders(),
      ids: currentTraceIds(),
    }));
    expect(published).toEqual(incoming);
    // Log lines still name the trace it belongs to.
    expect(ids).toEqual({ trace_id: traceId, span_id: producerSpan });
    const sent = startPublishSpans([{ topic: 'parley.y.v1', headers: published }]);
    sent?.end();
    expect(sent?.headers[0]).toEqual(incoming);
    expect(recorder.spans()).toEqual([]);
  });

  it('follows the parent only with a parent-based sampler (the SDK default included)', () => {
    for (const sampler of [undefined, '', 'parentbased_always_on', 'parentbased_traceidratio', ' ParentBased_Always_Off ']) expect(followsParent(sampler)).toBe(true);
    for (const sampler of ['always_on', 'always_off', 'traceidratio']) expect(followsParent(sampler)).toBe(false);
  });

  it('writes an unsampled send span into the record as unsampled, so the consumer does not sample it either', () => {
    const traceId = 'e'.repeat(32);
    const spans = startPublishSpans([{ topic: 'parley.x.v1', headers: { traceparent: `00-${traceId}-${'f'.repeat(16)}-00` } }]);
    spans?.end();
    expect(spans?.headers[0]?.['traceparent']).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
  });

  it('makes one send span per topic and parent for a batch: records with no stored context are one trace, not one each', () => {
    const requestA = inSpanForTests('POST /a', () => traceContextHeaders());
    const requestB = inSpanForTests('POST /b', () => traceContextHeaders());
    const records = [
      { topic: 'parley.x.v1', headers: {} },
      { topic: 'parley.x.v1', headers: { 'x-other': '1' } },
      { topic: 'parley.x.v1', headers: requestA },
      { topic: 'parley.x.v1', headers: requestA },
      { topic: 'parley.y.v1', headers: requestA },
      { topic: 'parley.x.v1', headers: requestB },
      { topic: 'parley.x.v1', headers: {} },
    ];
    const spans = startPublishSpans(records);
    spans?.end();
    const sends = recorder.spans().filter((s) => s.kind === SpanKind.PRODUCER);
    expect(sends.map((s) => [s.name, s.attributes['messaging.batch.message_count']])).toEqual([
      ['send parley.x.v1', 3],
      ['send parley.x.v1', 2],
      ['send parley.y.v1', undefined],
      ['send parley.x.v1', undefined],
    ]);
    const [unstored, fromA, fromAOtherTopic, fromB] = sends;
    expect(unstored?.parentSpanId).toBeUndefined();
    const [, traceA, spanA] = (requestA['traceparent'] as string).split('-');
    expect(fromA).toMatchObject({ traceId: traceA, parentSpanId: spanA });
    expect(fromAOtherTopic).toMatchObject({ traceId: traceA, parentSpanId: spanA });
    expect(fromB?.traceId).toBe((requestB['traceparent'] as string).split('-')[1]);
    const carried = (span: typeof unstored) => `00-${span?.traceId}-${span?.spanId}-01`;
    expect(spans?.headers).toEqual([
      { traceparent: carried(unstored) },
      { 'x-other': '1', traceparent: carried(unstored) },
      { traceparent: carried(fromA) },
      { traceparent: carried(fromA) },
      { traceparent: carried(fromAOtherTopic) },
      { traceparent: carried(fromB) },
      { traceparent: carried(unstored) },
    ]);
    // Fresh copies: the bus may hand them to a client library; the caller's records are left as they were.
    expect(spans?.headers[2]).not.toBe(records[2]?.headers);
    expect(records[0]?.headers).toEqual({});
  });

  it("holds the message's log context and its process span in one store while the handler runs, and neither after", async () => {
    const traceId = 'ab'.repeat(16);
    const sendSpan = 'cd'.repeat(8);
    const seen = await withConsumerSpan(
      { topic: 'parley.x.v1', group: 'g', partition: 0, headers: { traceparent: `00-${traceId}-${sendSpan}-01` } },
      async () => {
        await new Promise((resolve) => setImmediate(resolve));
        return { log: Object.fromEntries(Object.entries(currentLogContext())), ids: currentTraceIds() };
      },
      { topic: 'parley.x.v1', eventId: 'evt-1', correlationId: 'corr-1' },
    );
    const [process] = recorder.spans();
    expect(seen).toEqual({ log: { topic: 'parley.x.v1', eventId: 'evt-1', correlationId: 'corr-1' }, ids: { trace_id: traceId, span_id: process?.spanId } });
    expect(currentTraceIds()).toBeUndefined();
    expect(currentLogContext()).toEqual({});
  });

  it('reads the same traceparent twice as the same parent, and a different one as its own', async () => {
    const handle = (traceparent: string) =>
      withConsumerSpan({ topic: 't', group: 'g', partition: 0, headers: { traceparent } }, async () => undefined);
    const first = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`;
    const second = `00-${'3'.repeat(32)}-${'4'.repeat(16)}-01`;
    await handle(first);
    await handle(first);
    await handle(second);
    expect(recorder.spans().map((s) => [s.traceId, s.parentSpanId])).toEqual([
      ['1'.repeat(32), '2'.repeat(16)],
      ['1'.repeat(32), '2'.repeat(16)],
      ['3'.repeat(32), '4'.repeat(16)],
    ]);
  });
});

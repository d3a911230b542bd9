export { currentLogContext, withLogContext, type LogContext } from './log-context';
export { createLogger, resolveLogFormat, type LogFormat, type Logger, type LoggerOptions } from './logger';
export { PlatformMetrics, ServiceMetrics, type ConsumerLag, type OutboxBacklog, type Platform, type UserSyncProgress } from './metrics';
export {
  currentTraceIds,
  followsParent,
  startPublishSpans,
  startTracing,
  stopTracing,
  traceContextHeaders,
  tracingActive,
  tracingEndpointConfigured,
  inSpanForTests,
  recordSpansForTests,
  withConsumerSpan,
  type PublishSpans,
  type RecordedSpan,
  type TracingOptions,
} from './tracing';

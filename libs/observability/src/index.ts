export { currentLogContext, withLogContext, type LogContext } from './log-context';
export { createLogger, resolveLogFormat, type LogFormat, type Logger, type LoggerOptions } from './logger';
export { ServiceMetrics } from './metrics';

export { currentLogContext, withLogContext, type LogContext } from './log-context';
export { createLogger, type Logger, type LoggerOptions } from './logger';
export { ServiceMetrics } from './metrics';

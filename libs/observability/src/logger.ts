import pino, { type DestinationStream, type Logger } from 'pino';
import { currentLogContext } from './log-context';

export type { Logger } from 'pino';

export interface LoggerOptions {
  readonly service: string;
  readonly level: string;
  /** Tests pass a stream to read what was logged. */
  readonly destination?: DestinationStream;
}

/**
 * Structured JSON logs. The per-message context (correlation id, org id, topic) comes from AsyncLocalStorage, so
 * handlers do not pass a logger around. Fields that commonly carry secrets are censored as a second line of defence
 * behind the Secret type.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => ({ ...currentLogContext() }),
      redact: {
        paths: [
          'password',
          'secret',
          'token',
          'accessToken',
          'refreshToken',
          'clientSecret',
          'authorization',
          '*.password',
          '*.secret',
          '*.token',
          '*.accessToken',
          '*.refreshToken',
          '*.clientSecret',
          '*.authorization',
          'req.headers.authorization',
          'req.headers.cookie',
        ],
        censor: '[redacted]',
      },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}

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
      formatters: { level: (label) => ({ level: label }), log: (object) => censorSecrets(object) as Record<string, unknown> },
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

/** Keys whose values are secrets wherever they appear: botToken, signingSecret, teamOwner.password, adminApiKey... */
const SECRET_KEY = /(password|secret|token|apikey|authorization|cookie)$/i;
const MAX_DEPTH = 8;

/**
 * A copy of a log object with every value under a secret-looking key censored, at any depth (pino's own redaction
 * paths cover fixed depths only). Only plain objects and arrays are walked; errors and class instances (a `Secret`
 * prints itself as [redacted]) are left to their serializers.
 */
export function censorSecrets(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => censorSecrets(item, depth + 1));
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    out[key] = SECRET_KEY.test(key) && item !== undefined && item !== null ? '[redacted]' : censorSecrets(item, depth + 1);
  }
  return out;
}

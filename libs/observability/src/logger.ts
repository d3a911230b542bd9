import pino, { type DestinationStream, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import { currentLogContext } from './log-context';
import { currentTraceIds } from './tracing';

export type { Logger } from 'pino';

/** `json` for log pipelines, `pretty` for a person at a terminal, `auto`: pretty exactly when stdout is a terminal. */
export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  readonly service: string;
  readonly level: string;
  /** Default `auto`. */
  readonly format?: LogFormat | 'auto';
  /** Tests pass a stream to read what was logged. */
  readonly destination?: DestinationStream;
}

/** What `auto` means for this process: pretty when stdout is a terminal, JSON lines when it is a pipe or a file. */
export function resolveLogFormat(format: LogFormat | 'auto' | undefined, stdout: { readonly isTTY?: boolean } = process.stdout): LogFormat {
  if (format === 'json' || format === 'pretty') return format;
  return stdout.isTTY === true ? 'pretty' : 'json';
}

/**
 * Structured logs: JSON lines with unique keys, or pino-pretty's readable lines at a terminal. The per-message context
 * (correlation id, org id, topic) comes from AsyncLocalStorage, so handlers do not pass a logger around. Fields that
 * commonly carry secrets are censored as a second line of defence behind the Secret type.
 */
export function createLogger(options: LoggerOptions): Logger {
  const logger = pino(
    {
      level: options.level,
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      formatters: { level: (label) => ({ level: label }), log: (object) => censorSecrets(object) as Record<string, unknown> },
      mixin: (logged, _level, self) => contextFor(logged, boundKeysOf(self)),
      hooks: {
        logMethod(args, method) {
          const [first, second] = args as unknown[];
          if (typeof first === 'object' && first !== null && !(first instanceof Error)) {
            (args as unknown[])[0] = withoutBoundKeys(first as Record<string, unknown>, boundKeysOf(this), typeof second === 'string');
          }
          return method.apply(this, args);
        },
      },
      onChild: keepBindingsUnique,
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
    destinationFor(resolveLogFormat(options.format), options.destination),
  );
  keepBindingsUnique(logger);
  return logger;
}

function destinationFor(format: LogFormat, destination: DestinationStream | undefined): DestinationStream {
  if (format === 'json') return destination ?? pino.destination({ sync: false });
  // In-process (no worker thread) and synchronous: a terminal reads at human speed, and nothing is lost on exit.
  return pinoPretty({
    destination: destination ?? 1,
    sync: true,
    colorize: destination === undefined && process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    messageFormat: '{service}{if component}/{component}{end}: {msg}',
    ignore: 'service,component,nest',
    singleLine: true,
  });
}

// ---- Unique keys ------------------------------------------------------------------------------------------------
// pino writes a line as text: its own keys, then the logger's bindings (base and every child's, concatenated), then
// the logged object. It never checks for repeats, so `child({ service })` under a base `service`, or
// `info({ service })`, wrote the key twice, which many log pipelines reject. The rules below make every key unique:
// a child's binding replaces its parent's, the current context never repeats a binding, and a logged field whose
// name is taken is written as `<name>_`.

/** The keys a logger's lines already carry: pino's own and its bindings. */
const BOUND_KEYS = Symbol('parley.boundKeys');
const LINE_KEYS = ['level', 'time', 'msg'] as const;
type WithBoundKeys = Logger & { [BOUND_KEYS]?: ReadonlySet<string> };

function boundKeysOf(logger: Logger): ReadonlySet<string> {
  return (logger as WithBoundKeys)[BOUND_KEYS] ?? new Set(LINE_KEYS);
}

/** pino's onChild hook (and the root logger once): rewrites the bindings so that each key appears once, last wins. */
function keepBindingsUnique(logger: Logger): void {
  const target = logger as unknown as Record<symbol, unknown>;
  const chindings = String(target[pino.symbols.chindingsSym] ?? '');
  // `,"service":"parley-embedded","service":"identity"` parses to one key holding the later (the child's) value.
  const bindings = JSON.parse(`{${chindings.slice(1)}}`) as Record<string, unknown>;
  const taken = new Set<string>(LINE_KEYS);
  let rewritten = '';
  for (const [key, value] of Object.entries(bindings)) {
    const name = freeName(key, taken);
    taken.add(name);
    rewritten += `,${JSON.stringify(name)}:${JSON.stringify(value)}`;
  }
  target[pino.symbols.chindingsSym] = rewritten;
  (logger as WithBoundKeys)[BOUND_KEYS] = taken;
}

/** The current log context without the keys the line carries already (bindings) or that the logged object sets. */
function contextFor(logged: object, bound: ReadonlySet<string>): Record<string, unknown> {
  const context: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(currentLogContext())) {
    if (!bound.has(key) && !Object.prototype.hasOwnProperty.call(logged, key)) context[key] = value;
  }
  // The active span's ids (only when tracing is on), so a line leads to its trace and a trace to its lines.
  const ids = currentTraceIds();
  if (ids) {
    for (const [key, value] of Object.entries(ids)) {
      if (!bound.has(key) && !Object.prototype.hasOwnProperty.call(logged, key)) context[key] = value;
    }
  }
  return context;
}

/** The logged object with every field whose name the line already carries renamed (`service` -> `service_`). */
function withoutBoundKeys(logged: Record<string, unknown>, bound: ReadonlySet<string>, hasMessage: boolean): Record<string, unknown> {
  // A `msg` field is the message when no message string is given; otherwise it would be a second `msg`.
  const clashes = (key: string) => bound.has(key) && (key !== 'msg' || hasMessage);
  if (!Object.keys(logged).some(clashes)) return logged;
  const taken = new Set([...bound, ...Object.keys(logged)]);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(logged)) {
    if (!clashes(key)) {
      out[key] = value;
      continue;
    }
    const name = freeName(key, taken);
    taken.add(name);
    out[name] = value;
  }
  return out;
}

function freeName(key: string, taken: ReadonlySet<string>): string {
  let name = key;
  while (taken.has(name)) name = `${name}_`;
  return name;
}

// ---- Secrets ----------------------------------------------------------------------------------------------------

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

import type { LoggerService } from '@nestjs/common';
import type { Logger } from '@parley/observability';

/**
 * Nest's start-up chatter: a line per module initialised and per route mapped (about 130 for the six services of
 * `npm start`). It says nothing an operator acts on, so it goes to debug; `LOG_LEVEL=debug` shows it.
 */
const STARTUP_CONTEXTS: ReadonlySet<string> = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication', 'NestMicroservice']);

/** Routes Nest's own log calls into the service's pino logger, so every line is JSON with the same fields. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    if (context !== undefined && STARTUP_CONTEXTS.has(context)) this.logger.debug({ nest: context }, String(message));
    else this.logger.info({ nest: context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ nest: context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ nest: context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ nest: context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ nest: context }, String(message));
  }
}

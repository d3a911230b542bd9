import type { LoggerService } from '@nestjs/common';
import type { Logger } from '@parley/observability';

/** Routes Nest's own log calls into the service's pino logger, so every line is JSON with the same fields. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ nest: context }, String(message));
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

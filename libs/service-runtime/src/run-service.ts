import 'reflect-metadata';
import { ConfigError, loadConfig } from '@parley/config';
import { createLogger, ServiceMetrics, stopTracing, type Logger } from '@parley/observability';
import { createDistributedInfrastructure } from './infrastructure-factories';
import { distributedConfigSections, services } from './service-catalog';
import type { ServiceDefinition } from './service-definition';
import { InternalApiAccess } from './internal-api';
import { startService, type RunningService } from './start-service';

/** Exit status for a configuration the service cannot start with (sysexits EX_CONFIG). */
export const EXIT_CONFIG = 78;

/**
 * The whole of a distributed service's main(): validated config first (one line per bad variable, then exit 78),
 * then logger, infrastructure, the Nest app, and a graceful SIGTERM/SIGINT shutdown with a deadline.
 */
export async function runService(definition: ServiceDefinition): Promise<void> {
  let config;
  try {
    config = loadConfig({ ...(definition.configSections ?? {}), ...distributedConfigSections(definition.name) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) process.stderr.write(`${definition.name}: config error: ${problem}\n`);
    process.exit(EXIT_CONFIG);
  }

  const logger = createLogger({ service: definition.name, level: config.runtime.logLevel, format: config.runtime.logFormat });
  const metrics = new ServiceMetrics(definition.name);
  logger.info({ config }, 'starting');
  let running: RunningService | undefined;
  try {
    const infra = await createDistributedInfrastructure({
      definition,
      schema: services[definition.name].schema,
      logger,
      metrics,
      kafka: config.kafka,
      database: config.database,
      redis: config.redis,
    });
    const own = Object.fromEntries(Object.keys(definition.configSections ?? {}).map((key) => [key, (config as Record<string, unknown>)[key]]));
    const internalApi = new InternalApiAccess(config.internalApi.token, { ...config.internalApi.urls });
    running = await startService(definition, infra, config.http, { internalApi, config: own });
  } catch (error) {
    logger.fatal({ err: error }, 'failed to start');
    await flushAndExit(logger, 1);
    return;
  }
  logger.info({ url: running.url }, 'service ready');
  installShutdown([running], logger, config.runtime.shutdownTimeoutMs);
}

/** Anything the process must stop on shutdown: a service, the embedded database, the sandboxes. */
export interface Stoppable {
  readonly name: string;
  stop(): Promise<void>;
}

/** SIGTERM and SIGINT stop the given parts in reverse order, then exit; a second signal or the deadline forces exit. */
export function installShutdown(running: readonly Stoppable[], logger: Logger, timeoutMs: number): void {
  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal, exiting now');
      return flushAndExit(logger, 1);
    }
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs }, 'graceful shutdown timed out');
      void flushAndExit(logger, 1);
    }, timeoutMs);
    deadline.unref();
    for (const service of [...running].reverse()) {
      await service.stop().catch((error) => logger.error({ err: error, stopping: service.name }, 'error while stopping'));
    }
    logger.info('stopped');
    await flushAndExit(logger, 0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

async function flushAndExit(logger: Logger, code: number): Promise<void> {
  // Spans still buffered go out first (bounded: the exporter has its own timeout); nothing to do when tracing is off.
  await stopTracing();
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  process.exit(code);
}

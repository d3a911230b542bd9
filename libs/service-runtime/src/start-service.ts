import { Global, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ParleyBusTransport } from './bus-transport';
import { HealthController, INFRASTRUCTURE } from './health.controller';
import { problemDetailsFilter, type GenericDetails } from './http/problem-details';
import { requestContextMiddleware } from './http/request-context';
import type { ServiceInfrastructure } from './infrastructure';
import { INTERNAL_API, InternalAuthGuard, type InternalApiAccess } from './internal-api';
import { NestPinoLogger } from './nest-logger';
import type { ServiceDefinition } from './service-definition';
import { CACHE, DATA_SOURCE, IDEMPOTENT_CONSUMER, LOGGER, MESSAGE_BUS, METRICS, OUTBOX, SERVICE_CONFIG, SERVICE_NAME } from './tokens';

@Global()
@Module({})
class RuntimeModule {
  static with(definition: ServiceDefinition, infra: ServiceInfrastructure, context: ServiceContext): DynamicModule {
    const providers = [
      { provide: INFRASTRUCTURE, useValue: infra },
      { provide: SERVICE_NAME, useValue: definition.name },
      { provide: LOGGER, useValue: infra.logger },
      { provide: METRICS, useValue: infra.metrics },
      { provide: MESSAGE_BUS, useValue: infra.bus },
      { provide: DATA_SOURCE, useValue: infra.dataSource },
      { provide: OUTBOX, useValue: infra.outbox },
      { provide: IDEMPOTENT_CONSUMER, useValue: infra.idempotentConsumer },
      { provide: CACHE, useValue: infra.cache },
      { provide: INTERNAL_API, useValue: context.internalApi },
      { provide: SERVICE_CONFIG, useValue: context.config ?? {} },
      InternalAuthGuard,
    ];
    // One filter for every service: each HTTP error (an unknown route, a guard's 401, a pipe's 400, a thrown
    // NotFoundException, an unexpected error) is answered as problem details with the request id; a bus handler's
    // error passes through unchanged, since the bus decides retry or dead letter from it.
    const genericDetails: GenericDetails = { ...internalGenericDetails, ...definition.problemDetails };
    const filters = [problemDetailsFilter({ genericDetails })];
    return {
      module: RuntimeModule,
      controllers: [HealthController],
      providers: [...providers, ...filters],
      exports: providers.map((p) => ('provide' in p ? p.provide : p)),
    };
  }
}

/** Details every service gives for errors its code did not write; a service's own (`problemDetails`) go over them. */
const internalGenericDetails: GenericDetails = {
  401: 'Internal API: send the internal token as `Authorization: Bearer <token>`.',
};

/** What a service gets besides its infrastructure: its peers' internal APIs and its own parsed configuration. */
export interface ServiceContext {
  readonly internalApi: InternalApiAccess;
  readonly config?: Readonly<Record<string, unknown>>;
}

export interface RunningService {
  readonly name: string;
  readonly url: string;
  readonly app: INestApplication;
  /** Graceful: stop taking requests and messages, finish what is in flight, commit, close connections. */
  stop(): Promise<void>;
}

export async function startService(
  definition: ServiceDefinition,
  infra: ServiceInfrastructure,
  http: { host: string; port: number },
  context: ServiceContext,
): Promise<RunningService> {
  @Module({ imports: [RuntimeModule.with(definition, infra, context), definition.module] })
  class ServiceRootModule {}

  const app = await NestFactory.create(ServiceRootModule, {
    logger: new NestPinoLogger(infra.logger.child({ component: 'nest' })),
    abortOnError: false,
    rawBody: definition.rawBody ?? false,
  });
  // inheritAppConfig: the app's global filter (ProblemDetailsFilter) also wraps bus handlers; without it a handler's
  // error reaches the bus as Nest's generic object and dead letters lose their reason.
  // First in the chain, before the body parsers: every line of a request's handling carries its ids.
  app.use(requestContextMiddleware({ logger: infra.logger, fromPeer: (authorization) => context.internalApi.isPeer(authorization) }));
  app.connectMicroservice({ strategy: new ParleyBusTransport(infra.bus, definition.name) }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  infra.outboxRelay.start();
  await app.listen(http.port, http.host);
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://${http.host === '0.0.0.0' ? '127.0.0.1' : http.host}:${address.port}`;
  let stopping: Promise<void> | undefined;
  return {
    name: definition.name,
    url,
    app,
    stop: () =>
      (stopping ??= (async () => {
        // app.close() stops the HTTP server and the bus transport (bus.stop(): in-flight handlers finish and commit).
        await app.close();
        await infra.close();
      })()),
  };
}

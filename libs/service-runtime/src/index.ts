export { services, serviceNames, distributedConfigSections, type ServiceName } from './service-catalog';
export type { ServiceDefinition } from './service-definition';
export type { DependencyHealth, ServiceInfrastructure } from './infrastructure';
export { createDistributedInfrastructure, createEmbeddedInfrastructure, type EmbeddedSettings } from './infrastructure-factories';
export { startService, type RunningService, type ServiceContext } from './start-service';
export { runService, installShutdown, EXIT_CONFIG, type Stoppable } from './run-service';
export { ParleyBusTransport } from './bus-transport';
export { CACHE, DATA_SOURCE, IDEMPOTENT_CONSUMER, LOGGER, MESSAGE_BUS, METRICS, OUTBOX, SERVICE_CONFIG, SERVICE_NAME } from './tokens';
export { INTERNAL_API, InternalApiAccess, InternalAuthGuard, type PeerName } from './internal-api';
export {
  checkIncomingId,
  CORRELATION_ID_HEADER,
  outgoingContextHeaders,
  REQUEST_ID_HEADER,
  requestContextMiddleware,
  requestIdsOf,
  type IncomingId,
  type RequestIds,
} from './http/request-context';
export {
  commonGenericDetails,
  fieldErrors,
  INVALID_REQUEST_PROBLEM,
  notFound,
  parseOrThrow,
  PROBLEM_CONTENT_TYPE,
  ProblemDetailsFilter,
  problemDetailsFilter,
  ProblemException,
  toProblem,
  ZodValidationPipe,
  type FieldError,
  type FieldProblem,
  type GenericDetails,
  type ProblemDetails,
  type ProblemDetailsOptions,
  type ProblemExtensions,
} from './http/problem-details';
export {
  INTERNAL_ROUTE_METADATA,
  InternalRoute,
  internalRouteCoverage,
  mountedHandlers,
  RouteBody,
  RouteParams,
  RouteParamsPipe,
  RouteQuery,
  type MountedHandler,
  type RouteCoverage,
} from './http/internal-route';

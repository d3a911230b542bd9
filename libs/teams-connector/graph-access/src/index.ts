export { teamsConnectorConfigSection, graphAccessConfig, type GraphAccessConfig } from './config';
export { GraphAccess, ConnectionGraph, type GraphAccessDependencies } from './graph-access';
export { GraphApi, type AccessTokenSource, type GraphApiDependencies, type GraphDownload, type RequestOptions, type RetrySettings } from './graph/graph-api';
export { GraphRequestError, graphErrorOf, type GraphResponse } from './graph/graph-error';
export { GraphMetrics } from './graph/graph-metrics';
export { MAX_BATCH_SIZE, splitIntoBatches, type BatchItem } from './graph/batch';
export { SdkGraphTransport, splitGraphUrl, type GraphCall, type GraphMethod, type GraphTransport } from './graph/transport';
export { IdentityAccess, NeedsAttentionError, UnknownToIdentityError, describeSubject, type TokenSubject } from './identity/identity-access';
export { TokenCache, TOKEN_EXPIRY_MARGIN_MS } from './identity/token-cache';
export { GRAPH_DEFAULT_SCOPE, cleanDescription, jwtClaims, jwtRoles, requestToken, type TokenEndpointOutcome, type TokenEndpointTarget } from './identity/token-endpoint';
export { classifyRequest, relativeGraphPath, type GraphPrincipal, type PacingClaim } from './pacing/classify';
export {
  DEFAULT_PACING_MARGIN,
  DEFAULT_PACING_MARGIN_MS,
  DOCUMENTED_GRAPH_LIMITS,
  GRAPH_LIMIT_NAMES,
  windowSpec,
  type GraphLimitName,
  type LimitSetting,
  type PacingSettings,
} from './pacing/limits';
export { GraphPacer, type PacingGrant } from './pacing/pacer';
export { RETRYABLE_STATUSES, parseRetryAfter, retryDelayMs } from './pacing/retry-after';

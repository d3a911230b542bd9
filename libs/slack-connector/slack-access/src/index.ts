export {
  channelPostBucket,
  CHANNEL_PACED_METHODS,
  DEFAULT_SLACK_LIMITS,
  METHOD_TIERS,
  parseRetryAfter,
  perMinuteBucket,
  retryAfterWaitMs,
  scimBuckets,
  tierOf,
  webApiBucket,
  type PacedBucket,
  type ScimOperation,
  type SlackLimits,
  type SlackTier,
} from './limits';
export {
  describeForAdmin,
  isAdminFixable,
  RateLimitSignal,
  ScimRequestError,
  SlackApiError,
  SlackRateLimitedError,
  SlackUnavailableError,
  TOKEN_REFUSED_CODES,
} from './errors';
export { SlackPacer, type Sleep } from './pacer';
export { normalizeApiUrl, SlackWebApi, type AuthTestResult, type SlackMember, type SlackWebApiOptions } from './web-api';
export {
  primaryEmailOf,
  ScimClient,
  scimFilterValue,
  SCIM_USER_SCHEMA,
  SLACK_GUEST_SCHEMA,
  type NewScimUser,
  type ScimClientOptions,
  type ScimUser,
} from './scim';

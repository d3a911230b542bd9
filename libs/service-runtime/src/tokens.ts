/** Injection tokens for what the runtime gives every service's feature module. */
export const MESSAGE_BUS = Symbol('MESSAGE_BUS');
export const DATA_SOURCE = Symbol('DATA_SOURCE');
export const OUTBOX = Symbol('OUTBOX');
export const IDEMPOTENT_CONSUMER = Symbol('IDEMPOTENT_CONSUMER');
export const CACHE = Symbol('CACHE');
export const LOGGER = Symbol('LOGGER');
export const METRICS = Symbol('METRICS');
export const SERVICE_NAME = Symbol('SERVICE_NAME');
/** The parsed values of the service definition's own `configSections`, keyed as declared. */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');

import { loadConfig, type Environment, type Secret } from '@parley/config';
import { distributedConfigSections } from '@parley/service-runtime';

/** Injection token for the operator API key (`Secret | undefined`): the key that creates organizations. */
export const OPERATOR_API_KEY = Symbol('OPERATOR_API_KEY');

export type OperatorApiKey = Secret | undefined;

/** The gateway's own configuration section (PARLEY_OPERATOR_API_KEY, at least 32 characters). */
export const gatewayConfigSection = distributedConfigSections('gateway').gateway;

/**
 * The operator key from the environment. In distributed mode runService has already refused to start without a
 * valid one. Elsewhere (the embedded launcher before it passes a key) an unset variable means no operator access
 * at all: every operator request answers 401. A set but malformed value still fails loudly.
 */
export function operatorKeyFromEnvironment(environment: Environment = process.env): OperatorApiKey {
  if (!environment['PARLEY_OPERATOR_API_KEY']) return undefined;
  return loadConfig({ gateway: gatewayConfigSection }, environment).gateway.operatorApiKey;
}

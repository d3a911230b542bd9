import { ConfigError, loadConfig } from '@parley/config';
import { gatewayService } from '@parley/gateway-feature';
import { identityService } from '@parley/identity-feature';
import { provisioningService } from '@parley/provisioning-feature';
import { relayService } from '@parley/relay-feature';
import { distributedConfigSections, serviceNames, type ServiceDefinition, type ServiceName } from '@parley/service-runtime';
import { slackConnectorService } from '@parley/slack-connector-feature';
import { teamsConnectorService } from '@parley/teams-connector-feature';

/**
 * What each service reads from its environment, from the services' own config sections, so the deployment checks
 * (compose and Kubernetes) follow the code instead of a copied list.
 */

/** Read by Node itself rather than by a config section; setting them is legitimate. */
export const nodeRuntimeVariables: ReadonlySet<string> = new Set(['NODE_ENV', 'NODE_OPTIONS', 'TZ']);

/** Read by Node or by the OpenTelemetry SDK (OTEL_*, ADR 0025), not by a config section. */
export function isRuntimeVariable(variable: string): boolean {
  return nodeRuntimeVariables.has(variable) || variable.startsWith('OTEL_');
}

const definitions: Record<ServiceName, ServiceDefinition> = {
  gateway: gatewayService,
  identity: identityService,
  provisioning: provisioningService,
  'slack-connector': slackConnectorService,
  'teams-connector': teamsConnectorService,
  relay: relayService,
};

/** Every config section the service loads at start: the common ones and its own (as runService does). */
export function configSectionsOf(name: ServiceName) {
  return { ...(definitions[name].configSections ?? {}), ...distributedConfigSections(name) };
}

/** Every variable one of the service's config sections reads. */
export function knownVariables(name: ServiceName): Set<string> {
  return new Set(Object.values(configSectionsOf(name)).flatMap((section) => Object.keys(section.schema.shape)));
}

/** The variables the service cannot start without (no default): what loading an empty environment reports missing. */
export function requiredVariables(name: ServiceName): Set<string> {
  try {
    loadConfig(configSectionsOf(name), {});
    return new Set();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return new Set(error.problems.filter((p) => p.endsWith(': required but not set')).map((p) => p.split(':')[0]));
  }
}

/**
 * The variable that tells a service where a peer's internal API is (`PARLEY_IDENTITY_URL` for identity...), for the
 * peers the service's config knows; the peers themselves come from the internal API section, not from a list here.
 */
export function peerUrlVariables(name: ServiceName): Map<string, ServiceName> {
  const known = knownVariables(name);
  return new Map(
    serviceNames
      .map((peer) => [`PARLEY_${peer.toUpperCase().replace(/-/g, '_')}_URL`, peer] as const)
      .filter(([variable]) => known.has(variable)),
  );
}

import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@parley/service-runtime';
import { gatewayConfigSections } from './config/public-url';
import { GatewayFeatureModule, GatewayModule, type GatewayOptions } from './gateway.module';
import { gatewayGenericDetails } from './http/problem-details';
import { GatewayInit1732700000100 } from './migrations/1732700000100-gateway-init';
import { GatewayOrgsAndKeys1795800000000 } from './migrations/1795800000000-gateway-orgs-and-keys';
import { GatewayDeadLetterActions1796400000100 } from './migrations/1796400000100-gateway-dead-letter-actions';
import { GatewayOrgsToIdentity1796500000000 } from './migrations/1796500000000-gateway-orgs-to-identity';

export { GatewayFeatureModule, GatewayModule, type GatewayOptions };
export { OPERATOR_API_KEY, gatewayConfigSection, operatorKeyFromEnvironment } from './config/operator-key';
export { loadOrCreateOperatorKey, OPERATOR_KEY_FILE } from './config/embedded-operator-key';
export { DEFAULT_PUBLIC_URL, gatewayConfigSections, publicUrlConfigSection } from './config/public-url';
export { buildOpenApiDocument, renderOpenApiDocument } from './openapi/document';
export { OrgHandover } from './orgs/org-handover';

const migrations = [GatewayInit1732700000100, GatewayOrgsAndKeys1795800000000, GatewayDeadLetterActions1796400000100, GatewayOrgsToIdentity1796500000000];

/**
 * The gateway reading its operator key from PARLEY_OPERATOR_API_KEY (what `apps/gateway` runs). Its own config
 * section is PARLEY_PUBLIC_URL (where browsers reach it; consent links come back to `<it>/auth/callback`).
 */
export const gatewayService: ServiceDefinition = {
  name: 'gateway',
  module: GatewayModule,
  migrations,
  configSections: gatewayConfigSections,
  // /slack/events is passed on to slack-connector byte for byte: Slack's signature covers the raw body.
  rawBody: true,
  problemDetails: gatewayGenericDetails,
};

/** The gateway with options given in code, e.g. the embedded launcher's generated operator key. */
export function createGatewayService(options: GatewayOptions): ServiceDefinition {
  @Module({ imports: [GatewayFeatureModule.register(options)] })
  class ConfiguredGatewayModule {}
  return { name: 'gateway', module: ConfiguredGatewayModule, migrations, configSections: gatewayConfigSections, rawBody: true, problemDetails: gatewayGenericDetails };
}

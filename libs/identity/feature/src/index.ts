import { Module } from '@nestjs/common';
import { vaultConfigSection } from '@parley/identity-credential-vault';
import { publicUrlSection } from '@parley/config';
import type { ServiceDefinition } from '@parley/service-runtime';
import { identityConfigSection } from './config/identity-config';
import { IdentityFeatureModule, IdentityModule, type IdentityOptions } from './identity.module';
import { IdentityInit1732700000000 } from './migrations/1732700000000-identity-init';
import { IdentityUserSync1796100000000 } from './migrations/1796100000000-identity-user-sync';
import { IdentityUnmadeAccounts1796400000000 } from './migrations/1796400000000-identity-unmade-accounts';
import { IdentityOneOrgPerWorkspace1796500000000 } from './migrations/1796500000000-identity-one-org-per-workspace';
import { IdentityOrganizations1796500000100 } from './migrations/1796500000100-identity-organizations';
import { IdentitySlackConsent1796600000000 } from './migrations/1796600000000-identity-slack-consent';
import { IdentityConsentPrompts1796700000000 } from './migrations/1796700000000-identity-consent-prompts';
import { Person } from './people/person.entity';
import { PlatformAccount } from './people/platform-account.entity';

export { IdentityFeatureModule, IdentityModule, Person, PlatformAccount, type IdentityOptions };
export { identityConfigSection, type IdentitySettings } from './config/identity-config';
export { TokenEndpointClient, type FetchFunction } from '@parley/entra-token';

const migrations = [
  IdentityInit1732700000000,
  IdentityUserSync1796100000000,
  IdentityUnmadeAccounts1796400000000,
  IdentityOneOrgPerWorkspace1796500000000,
  IdentityOrganizations1796500000100,
  IdentitySlackConsent1796600000000,
  IdentityConsentPrompts1796700000000,
];
const entities = [Person, PlatformAccount];
/**
 * Read from the environment in both modes: PARLEY_VAULT_KEYS, PARLEY_VAULT_ACTIVE_KEY, PARLEY_PRIMARY_WHEN_BOTH,
 * PARLEY_CONSENT_TTL_SECONDS, PARLEY_CONSENT_PROMPT_TTL_SECONDS, and PARLEY_PUBLIC_URL (the gateway's, for prompt links).
 */
const configSections = { vault: vaultConfigSection, identity: identityConfigSection, gatewayPublic: publicUrlSection };

/** identity as `apps/identity` runs it (global fetch for the token endpoints). */
export const identityService: ServiceDefinition = {
  name: 'identity',
  module: IdentityModule,
  migrations,
  entities,
  configSections,
};

/**
 * identity with options given in code: the embedded launcher passes a `fetch` that trusts the in-process Graph
 * sandbox's CA (NODE_EXTRA_CA_CERTS is read only at process start, before that CA exists).
 */
export function createIdentityService(options: IdentityOptions = {}): ServiceDefinition {
  @Module({ imports: [IdentityFeatureModule.register(options)] })
  class ConfiguredIdentityModule {}
  return { name: 'identity', module: ConfiguredIdentityModule, migrations, entities, configSections };
}

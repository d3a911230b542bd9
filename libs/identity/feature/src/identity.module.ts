import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { loadConfig, publicUrlFrom } from '@parley/config';
import { CredentialStore, SecretBox, VaultKeyring } from '@parley/identity-credential-vault';
import { DATA_SOURCE, SERVICE_CONFIG } from '@parley/service-runtime';
import {
  CREDENTIALS,
  IDENTITY_SCHEMA,
  IDENTITY_PUBLIC_URL,
  IDENTITY_SETTINGS,
  identityConfigSection,
  TOKEN_ENDPOINT,
  type IdentityServiceConfig,
  type IdentitySettings,
} from './config/identity-config';
import { ConsentController } from './consent/consent.controller';
import { ConsentRequests } from './consent/consent-requests';
import { ConsentService } from './consent/consent.service';
import { ConnectionStore } from './connections/connection-store';
import { ConnectionsController, PlatformConnectionsController, SlackWorkspaceConnectionController, TeamsNotificationKeysController } from './connections/connections.controller';
import { TeamsNotificationKeys } from './connections/teams-notification-keys';
import { DirectoryImports } from './directory/directory-imports';
import { GuestPasswords } from './guests/guest-passwords';
import { OrganizationsController } from './organizations/organizations.controller';
import { OrganizationStore } from './organizations/organization-store';
import { DirectoryObservationHandler } from './people/directory-observation.handler';
import { DeadLetteredCommandHandler } from './people/dead-lettered-command.handler';
import { ManagedAccountsHandler } from './people/managed-accounts.handler';
import { PeopleController } from './people/people.controller';
import { PeopleStore } from './people/people-store';
import { TokenEndpointClient, type FetchFunction } from '@parley/entra-token';
import { SlackConsentController, SlackConsentPromptsController, SlackUserTokensController } from './slack-consent/slack-consent.controller';
import { SlackConsentPrompts } from './slack-consent/slack-consent-prompts';
import { SlackConsentService } from './slack-consent/slack-consent.service';
import { SlackOAuthClient } from './slack-consent/slack-oauth';
import { SLACK_OAUTH } from './slack-consent/slack-oauth.provider';
import { TokenService } from './tokens/token.service';
import { TokensController } from './tokens/tokens.controller';

export interface IdentityOptions {
  /**
   * The fetch the token endpoint client uses. Omitted: global fetch (a sandbox CA is trusted through
   * NODE_EXTRA_CA_CERTS). In-process tests and the embedded launcher pass one whose dispatcher trusts the sandbox CA.
   */
  readonly fetch?: FetchFunction;
}

const controllers = [
  OrganizationsController,
  ConnectionsController,
  PlatformConnectionsController,
  SlackWorkspaceConnectionController,
  TeamsNotificationKeysController,
  PeopleController,
  TokensController,
  ConsentController,
  SlackConsentController,
  SlackConsentPromptsController,
  SlackUserTokensController,
  DirectoryObservationHandler,
  ManagedAccountsHandler,
  DeadLetteredCommandHandler,
];

const common: Provider[] = [
  {
    provide: IDENTITY_SETTINGS,
    inject: [SERVICE_CONFIG],
    useFactory: (config: IdentityServiceConfig): IdentitySettings => config.identity ?? loadConfig({ identity: identityConfigSection }, {}).identity,
  },
  {
    provide: IDENTITY_PUBLIC_URL,
    inject: [SERVICE_CONFIG],
    useFactory: (config: Readonly<Record<string, unknown>>): string => publicUrlFrom(config),
  },
  {
    provide: CREDENTIALS,
    inject: [SERVICE_CONFIG, DATA_SOURCE],
    useFactory: (config: IdentityServiceConfig, dataSource: DataSource): CredentialStore => {
      if (!config.vault) {
        throw new Error('identity needs its vault keys: set PARLEY_VAULT_KEYS and PARLEY_VAULT_ACTIVE_KEY (see libs/identity/credential-vault/README.md)');
      }
      return new CredentialStore({ box: new SecretBox(new VaultKeyring(config.vault)), db: dataSource, schema: IDENTITY_SCHEMA });
    },
  },
  OrganizationStore,
  ConnectionStore,
  TeamsNotificationKeys,
  PeopleStore,
  DirectoryImports,
  GuestPasswords,
  TokenService,
  ConsentRequests,
  ConsentService,
  SlackConsentService,
  SlackConsentPrompts,
];

/**
 * identity: organizations, connections and their sealed secrets, people and their accounts (from directory imports and the
 * connectors' results), guest passwords, access tokens, Account Sync consent and Slack consent. Internal HTTP only.
 */
@Module({})
export class IdentityFeatureModule {
  static register(options: IdentityOptions = {}): DynamicModule {
    return {
      module: IdentityFeatureModule,
      controllers,
      providers: [
        ...common,
        { provide: TOKEN_ENDPOINT, useValue: new TokenEndpointClient(options.fetch) },
        { provide: SLACK_OAUTH, useValue: new SlackOAuthClient(options.fetch) },
      ],
    };
  }
}

/** identity as distributed mode runs it: global fetch for the token endpoints. */
@Module({ imports: [IdentityFeatureModule.register()] })
export class IdentityModule {}

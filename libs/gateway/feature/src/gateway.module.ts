import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { Secret } from '@parley/config';
import { SERVICE_CONFIG } from '@parley/service-runtime';
import { ApiKeyStore } from './auth/api-key-store';
import { ApiKeyGuard } from './auth/auth.guard';
import { ConsentCallbackController } from './consent/consent-callback.controller';
import { ConsentPromptController } from './consent/consent-prompt.controller';
import { PlatformCallbacksController } from './platform-callbacks/platform-callbacks.controller';
import { ConnectionsController } from './connections/connections.controller';
import { OPERATOR_API_KEY, operatorKeyFromEnvironment } from './config/operator-key';
import { PUBLIC_URL, publicUrlFrom } from './config/public-url';
import { DeadLetterStore } from './dead-letters/dead-letter-store';
import { DeadLetterHandler } from './dead-letters/dead-letter.handler';
import { DeadLettersController } from './dead-letters/dead-letters.controller';
import { ApiDocs } from './openapi/docs.setup';
import { OrgHandover } from './orgs/org-handover';
import { OrgsController } from './orgs/orgs.controller';
import { PeerApi } from './peers/peer-api';
import { PeopleController } from './people/people.controller';
import { ChannelLinksController } from './channel-links/channel-links.controller';
import { RelaySettingsController } from './relay-settings/relay-settings.controller';
import { ConversationsController } from './conversations/conversations.controller';
import { UserSyncsController } from './user-syncs/user-syncs.controller';

export interface GatewayOptions {
  /**
   * The operator key. Omitted: read from PARLEY_OPERATOR_API_KEY (distributed mode validates it at start); when that
   * is unset too, no request is an operator's.
   */
  readonly operatorApiKey?: Secret;
}

const common: Provider[] = [
  ApiKeyStore,
  OrgHandover,
  DeadLetterStore,
  ApiKeyGuard,
  ApiDocs,
  PeerApi,
  { provide: PUBLIC_URL, useFactory: publicUrlFrom, inject: [SERVICE_CONFIG] },
];
const controllers = [
  OrgsController,
  ConnectionsController,
  UserSyncsController,
  PeopleController,
  ConversationsController,
  ChannelLinksController,
  RelaySettingsController,
  ConsentCallbackController,
  ConsentPromptController,
  PlatformCallbacksController,
  DeadLettersController,
  DeadLetterHandler,
];

/**
 * Gateway: the admin REST API (`/v1`, problem details, API keys), its OpenAPI at /docs, the dead-letter list, and
 * the consent callback pages (`/auth/callback`, `/auth/slack/callback`) and Slack's Events API, passed on to
 * slack-connector (`/slack/events`). Organizations, connections, people and user syncs are owned by
 * identity and provisioning: the gateway checks the key, scopes every call to the key's org and calls their internal APIs.
 * Health, readiness, metrics and the bus come from the runtime.
 */
@Module({})
export class GatewayFeatureModule {
  static register(options: GatewayOptions = {}): DynamicModule {
    const operatorKey: Provider =
      options.operatorApiKey === undefined
        ? { provide: OPERATOR_API_KEY, useFactory: () => operatorKeyFromEnvironment() }
        : { provide: OPERATOR_API_KEY, useValue: options.operatorApiKey };
    return { module: GatewayFeatureModule, controllers, providers: [...common, operatorKey] };
  }
}

/** The gateway as distributed mode runs it: the operator key comes from PARLEY_OPERATOR_API_KEY. */
@Module({ imports: [GatewayFeatureModule.register()] })
export class GatewayModule {}

import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@parley/service-runtime';
import { teamsConnectorConfigSection } from '@parley/teams-connector-graph-access';
import { TeamsConnectorInit1732700000400 } from './migrations/1732700000400-teams-connector-init';
import { TeamsConnectorDirectory1796300000400 } from './migrations/1796300000400-teams-connector-directory';
import { TeamsConnectorRelay1797400000400 } from './migrations/1797400000400-teams-connector-relay';
import { TeamsConnectorIngress1797300000400 } from './migrations/1797300000400-teams-connector-ingress';
import { TeamsConnectorReactions1798000000010 } from './migrations/1798000000010-teams-connector-reactions';
import { TeamsConnectorChannels1798100000400 } from './migrations/1798100000400-teams-connector-channels';
import { TeamsConnectorReactionListings1798300000400 } from './migrations/1798300000400-teams-connector-reaction-listings';
import { TeamsConnectorNotificationInbox1798400000400 } from './migrations/1798400000400-teams-connector-notification-inbox';
import { TeamsConnectorInboxSource1798500000400 } from './migrations/1798500000400-teams-connector-inbox-source';
import { TeamsConnectorInboxMessageIndex1798700000400 } from './migrations/1798700000400-teams-connector-inbox-message-index';
import { teamsIngressConfigSection } from './ingress/ingress-config';
import { TeamsConnectorFeatureModule, TeamsConnectorModule } from './teams-connector.module';
import type { TeamsConnectorOptions } from './graph.providers';

export { TeamsConnectorFeatureModule, TeamsConnectorModule, type TeamsConnectorOptions };
export { teamsConnectorConfigSection, teamsIngressConfigSection };
export { teamsIngressConfig, type TeamsIngressConfig } from './ingress/ingress-config';
export { ChatMessageObserver, type ChatMessageObservation, type GraphChatMessageResource } from './relay/chat-message-observer';
export { TEAMS_LIFECYCLE_PATH, TEAMS_NOTIFICATION_PATH } from './ingress/notification.controller';
// A benchmark's bare pipeline decrypts Graph's notifications with a certificate of its own.
export { createNotificationCertificate } from './ingress/notification-certificate';
export { homeUserPrincipalName } from './guests/home-upn';

const migrations = [TeamsConnectorInit1732700000400, TeamsConnectorDirectory1796300000400, TeamsConnectorIngress1797300000400, TeamsConnectorRelay1797400000400, TeamsConnectorReactions1798000000010, TeamsConnectorChannels1798100000400, TeamsConnectorReactionListings1798300000400, TeamsConnectorNotificationInbox1798400000400, TeamsConnectorInboxSource1798500000400, TeamsConnectorInboxMessageIndex1798700000400];
/** Read by runService (distributed) and the embedded launcher, handed to the module under SERVICE_CONFIG. */
const configSections = { teamsConnector: teamsConnectorConfigSection, teamsIngress: teamsIngressConfigSection };

/** What `apps/teams-connector` runs: Graph limits and time scale from PARLEY_GRAPH_* variables. */
export const teamsConnectorService: ServiceDefinition = {
  name: 'teams-connector',
  module: TeamsConnectorModule,
  migrations,
  configSections,
};

/** The connector with options given in code: a dispatcher trusting a sandbox CA, or a Graph config for a test. */
export function createTeamsConnectorService(options: TeamsConnectorOptions): ServiceDefinition {
  @Module({ imports: [TeamsConnectorFeatureModule.register(options)] })
  class ConfiguredTeamsConnectorModule {}
  return { name: 'teams-connector', module: ConfiguredTeamsConnectorModule, migrations, configSections };
}

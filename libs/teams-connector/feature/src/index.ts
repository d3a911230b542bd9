import type { ServiceDefinition } from '@parley/service-runtime';
import { TeamsConnectorModule } from './teams-connector.module';
import { TeamsConnectorInit1732700000400 } from './migrations/1732700000400-teams-connector-init';

export { TeamsConnectorModule };

export const teamsConnectorService: ServiceDefinition = {
  name: 'teams-connector',
  module: TeamsConnectorModule,
  migrations: [TeamsConnectorInit1732700000400],
};

import type { ServiceDefinition } from '@parley/service-runtime';
import { SlackConnectorModule } from './slack-connector.module';
import { SlackConnectorInit1732700000300 } from './migrations/1732700000300-slack-connector-init';

export { SlackConnectorModule };

export const slackConnectorService: ServiceDefinition = {
  name: 'slack-connector',
  module: SlackConnectorModule,
  migrations: [SlackConnectorInit1732700000300],
};

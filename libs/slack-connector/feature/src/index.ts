import type { ServiceDefinition } from '@parley/service-runtime';
import { slackConnectorConfigSection, SLACK_CONNECTOR_CONFIG_KEY } from './config';
import { SlackConnectorModule } from './slack-connector.module';
import { SlackConnectorInit1732700000300 } from './migrations/1732700000300-slack-connector-init';
import { SlackConnectorMirrors1795900000300 } from './migrations/1795900000300-slack-connector-mirrors';

export { SlackConnectorModule };
export { resolveSlackConnectorConfig, slackConnectorConfigSection, type SlackConnectorConfig } from './config';
export { REQUIRED_BOT_SCOPES } from './verify/connection-verifier';

export const slackConnectorService: ServiceDefinition = {
  name: 'slack-connector',
  module: SlackConnectorModule,
  migrations: [SlackConnectorInit1732700000300, SlackConnectorMirrors1795900000300],
  configSections: { [SLACK_CONNECTOR_CONFIG_KEY]: slackConnectorConfigSection },
};

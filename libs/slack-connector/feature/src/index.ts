import type { ServiceDefinition } from '@parley/service-runtime';
import { slackConnectorConfigSection, SLACK_CONNECTOR_CONFIG_KEY } from './config';
import { SlackConnectorModule } from './slack-connector.module';
import { SlackConnectorInit1732700000300 } from './migrations/1732700000300-slack-connector-init';
import { SlackConnectorMirrors1795900000300 } from './migrations/1795900000300-slack-connector-mirrors';
import { SlackConnectorRelay1797200000000 } from './migrations/1797200000000-slack-connector-relay';
import { SlackConnectorDeliveryPoster1797600000000 } from './migrations/1797600000000-slack-connector-delivery-poster';
import { SlackConnectorReactions1798000000020 } from './migrations/1798000000020-slack-connector-reactions';
import { SlackConnectorChannelLinks1798100000300 } from './migrations/1798100000300-slack-connector-channel-links';
import { SlackConnectorDeliveryFiles1798200000300 } from './migrations/1798200000300-slack-connector-delivery-files';
import { SlackConnectorInboundLanes1798400000300 } from './migrations/1798400000300-slack-connector-inbound-lanes';

export { SlackConnectorModule };
export { resolveSlackConnectorConfig, slackConnectorConfigSection, type SlackConnectorConfig } from './config';
export { REQUIRED_BOT_SCOPES } from './verify/connection-verifier';
export { SLACK_EVENTS_PATH } from './events/slack-event-ingress.controller';

export const slackConnectorService: ServiceDefinition = {
  name: 'slack-connector',
  module: SlackConnectorModule,
  migrations: [SlackConnectorInit1732700000300, SlackConnectorMirrors1795900000300, SlackConnectorRelay1797200000000, SlackConnectorDeliveryPoster1797600000000, SlackConnectorReactions1798000000020, SlackConnectorChannelLinks1798100000300, SlackConnectorDeliveryFiles1798200000300, SlackConnectorInboundLanes1798400000300],
  // The Events API signature is over the exact bytes Slack sent.
  rawBody: true,
  configSections: { [SLACK_CONNECTOR_CONFIG_KEY]: slackConnectorConfigSection },
};

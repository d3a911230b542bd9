import type { ServiceDefinition } from '@parley/service-runtime';
import { RelayModule } from './relay.module';
import { RelayInit1732700000500 } from './migrations/1732700000500-relay-init';
import { RelayConversations1797100000000 } from './migrations/1797100000000-relay-conversations';
import { RelayDeliveryDeadlines1797700000000 } from './migrations/1797700000000-relay-delivery-deadlines';
import { RelaySourceTimes1797700000100 } from './migrations/1797700000100-relay-source-times';
import { RELAY_CONFIG_KEY, relayConfigSection } from './config';
import { RelayReactions1798000000000 } from './migrations/1798000000000-relay-reactions';
import { RelayChannelLinks1798100000000 } from './migrations/1798100000000-relay-channel-links';
import { RelayFiles1798200000000 } from './migrations/1798200000000-relay-files';
import { RelayLaneSourceTime1798500000000 } from './migrations/1798500000000-relay-lane-source-time';
import { RelayLateMark1798600000000 } from './migrations/1798600000000-relay-late-mark';
import { RelayEarlyReactions1798700000000 } from './migrations/1798700000000-relay-early-reactions';

export { RelayModule };
export { relayConfigSection, type RelayConfig } from './config';
export { RelayMetrics } from './metrics/relay-metrics';

export const relayService: ServiceDefinition = {
  name: 'relay',
  module: RelayModule,
  migrations: [RelayInit1732700000500, RelayConversations1797100000000, RelayDeliveryDeadlines1797700000000, RelaySourceTimes1797700000100, RelayReactions1798000000000, RelayChannelLinks1798100000000, RelayFiles1798200000000, RelayLaneSourceTime1798500000000, RelayLateMark1798600000000, RelayEarlyReactions1798700000000],
  configSections: { [RELAY_CONFIG_KEY]: relayConfigSection },
};

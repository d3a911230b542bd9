import type { ServiceDefinition } from '@parley/service-runtime';
import { RelayModule } from './relay.module';
import { RelayInit1732700000500 } from './migrations/1732700000500-relay-init';
import { RelayConversations1797100000000 } from './migrations/1797100000000-relay-conversations';
import { RelayReactions1798000000000 } from './migrations/1798000000000-relay-reactions';

export { RelayModule };

export const relayService: ServiceDefinition = {
  name: 'relay',
  module: RelayModule,
  migrations: [RelayInit1732700000500, RelayConversations1797100000000, RelayReactions1798000000000],
};

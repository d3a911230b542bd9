import { internalRoutes, routesOf } from '@parley/internal-api';
import { internalRouteCoverage } from '@parley/service-runtime';
import { RelayModule } from './relay.module';

describe("relay's internal API", () => {
  it('serves every relay route of the table, and nothing under /internal/ that the table does not list', () => {
    const controllers = (Reflect.getMetadata('controllers', RelayModule) as unknown[] | undefined) ?? [];
    expect(internalRouteCoverage('relay', routesOf('relay'), controllers as never)).toEqual({ unserved: [], undeclared: [] });
    expect(Object.keys(internalRoutes.relay)).toEqual(['conversations', 'conversationMessages', 'createChannelLink', 'channelLinks', 'channelLink', 'relaySettings', 'updateRelaySettings', 'deleteChannelLink']);
  });
});

import { routesOf } from '@parley/internal-api';
import { internalRouteCoverage } from '@parley/service-runtime';
import { TeamsConnectorFeatureModule } from './teams-connector.module';

describe("teams-connector's internal API", () => {
  it('serves every teams-connector route of the table, and nothing under /internal/ that the table does not list', () => {
    const controllers = TeamsConnectorFeatureModule.register().controllers ?? [];
    expect(internalRouteCoverage('teams-connector', routesOf('teams-connector'), controllers)).toEqual({ unserved: [], undeclared: [] });
  });
});

import { routesOf } from '@parley/internal-api';
import { internalRouteCoverage } from '@parley/service-runtime';
import { SlackConnectorModule } from './slack-connector.module';

describe("slack-connector's internal API", () => {
  it('serves every slack-connector route of the table, and nothing under /internal/ that the table does not list', () => {
    const controllers = (Reflect.getMetadata('controllers', SlackConnectorModule) ?? []) as [];
    expect(controllers.length).toBeGreaterThan(0);
    expect(internalRouteCoverage('slack-connector', routesOf('slack-connector'), controllers)).toEqual({ unserved: [], undeclared: [] });
  });
});

import { internalRoutes, routesOf } from '@parley/internal-api';
import { internalRouteCoverage } from '@parley/service-runtime';
import { IdentityFeatureModule } from './identity.module';

describe("identity's internal API", () => {
  it('serves every identity route of the table, and nothing under /internal/ that the table does not list', () => {
    const controllers = IdentityFeatureModule.register().controllers ?? [];
    expect(internalRouteCoverage('identity', routesOf('identity'), controllers)).toEqual({ unserved: [], undeclared: [] });
    expect(Object.keys(internalRoutes.identity).length).toBeGreaterThan(10);
  });
});

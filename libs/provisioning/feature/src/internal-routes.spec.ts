import { routesOf } from '@parley/internal-api';
import { internalRouteCoverage } from '@parley/service-runtime';
import { ProvisioningFeatureModule } from './provisioning.module';

describe("provisioning's internal API", () => {
  it('serves every provisioning route of the table, and nothing under /internal/ that the table does not list', () => {
    const controllers = ProvisioningFeatureModule.register().controllers ?? [];
    expect(internalRouteCoverage('provisioning', routesOf('provisioning'), controllers)).toEqual({ unserved: [], undeclared: [] });
  });
});

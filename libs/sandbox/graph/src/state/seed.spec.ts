import { demoOrganization } from '@parley/sandbox-seed';
import { seedOrganization } from './seed';
import { Store } from './store';

describe('seedOrganization', () => {
  it("gives two organizations with the same name different initial domains, and keeps a tenant's domain on a re-seed", () => {
    const store = new Store();
    const first = seedOrganization(store, demoOrganization('one.example'));
    const second = seedOrganization(store, demoOrganization('two.example'));
    expect(first.customerTenantDomain).toBe('parleydemo.onmicrosoft.com');
    expect(second.customerTenantDomain).toBe('parleydemo2.onmicrosoft.com');
    expect(second.homeTenantDomain).not.toBe(first.homeTenantDomain);
    expect(seedOrganization(store, demoOrganization('one.example')).homeTenantDomain).toBe(first.homeTenantDomain);
  });
});

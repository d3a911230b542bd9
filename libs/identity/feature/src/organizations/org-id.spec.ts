import { OrganizationCreatedV1, SyncRequestedV1 } from '@parley/contracts';
import { newOrgId } from './org-id';

describe('organization ids', () => {
  it('are org_ + 16 base62, distinct, and accepted by the contracts', () => {
    const ids = new Set(Array.from({ length: 200 }, () => newOrgId()));
    expect(ids.size).toBe(200);
    for (const id of ids) {
      expect(id).toMatch(/^org_[A-Za-z0-9]{16}$/);
      expect(SyncRequestedV1.schema.safeParse({ ...SyncRequestedV1.example, orgId: id }).success).toBe(true);
      expect(OrganizationCreatedV1.schema.safeParse({ ...OrganizationCreatedV1.example, orgId: id }).success).toBe(true);
    }
  });
});

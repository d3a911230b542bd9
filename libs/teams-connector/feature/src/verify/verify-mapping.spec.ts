import { appTokenField, ownerSignInProblem } from './connection-verifier';
import { CUSTOMER_TENANT_ROLES, HOME_TENANT_ROLES, missingRoles } from './required-roles';

const refused = (status: number, error: string | null, codes: number[]) => ({ ok: false as const, status, error, codes, description: 'AADSTS: refused.' });

describe('appTokenField', () => {
  it('points a refused client credentials sign-in at the field to fix', () => {
    expect(appTokenField(refused(401, 'invalid_client', [7000215]), 'customer')).toBe('clientSecret');
    expect(appTokenField(refused(400, 'unauthorized_client', [700016]), 'customer')).toBe('clientId');
    expect(appTokenField(refused(400, 'unauthorized_client', [700016]), 'home')).toBe('homeTenantId');
    expect(appTokenField(refused(400, 'invalid_request', [90002]), 'customer')).toBe('tenantId');
    expect(appTokenField(refused(400, 'invalid_request', [90002]), 'home')).toBe('homeTenantId');
    expect(appTokenField(refused(0, null, []), 'customer')).toBe('authorityUrl');
  });
});

describe('ownerSignInProblem', () => {
  it('points a refused team owner sign-in at the username or the password', () => {
    expect(ownerSignInProblem(refused(400, 'invalid_grant', [50126])).field).toBe('teamOwner.password');
    expect(ownerSignInProblem(refused(400, 'invalid_grant', [50034])).field).toBe('teamOwner.username');
    expect(ownerSignInProblem(refused(400, 'invalid_grant', [50057])).field).toBe('teamOwner.username');
    const mfa = ownerSignInProblem(refused(400, 'invalid_grant', [50076]));
    expect(mfa).toEqual({ field: 'teamOwner.password', reason: expect.stringContaining('multi-factor') });
  });
});

describe('missingRoles', () => {
  it('accepts any role that grants what is needed', () => {
    expect(missingRoles(['User.ReadWrite.All', 'Team.ReadBasic.All'], CUSTOMER_TENANT_ROLES)).toBeNull();
    expect(missingRoles(['Directory.ReadWrite.All'], HOME_TENANT_ROLES)).toBeNull();
  });

  it('names each missing permission with what it is for', () => {
    expect(missingRoles(['User.Read.All'], CUSTOMER_TENANT_ROLES)).toBe(
      'User.Invite.All (to invite guests), User.ReadWrite.All (to disable guests), Team.ReadBasic.All (to read the teams)',
    );
    expect(missingRoles([], HOME_TENANT_ROLES)).toBe('User.ReadWrite.All (to create home accounts)');
  });
});

import type { Store } from '../state/store';
import type { Tenant, User } from '../state/model';
import { IdentityError } from './identity-error';

/**
 * Who signs in to `tenant` with `username`: a member of the tenant, or the guest object that stands for an
 * account of another sandbox tenant (B2B: the guest signs in with their home credentials).
 */
export function resolveSignIn(store: Store, tenant: Tenant, username: string): { account: User; principal: User } {
  const account = store.users.get(store.usersByUpn.get(username.toLowerCase()) ?? '');
  if (!account || account.deleted) {
    throw new IdentityError(400, 'invalid_grant', 50034, `The user account ${username} does not exist in the ${tenant.id} directory. To sign into this application, the account must be added to the directory.`);
  }
  if (account.tenantId === tenant.id) return { account, principal: account };
  const guest = [...store.users.values()].find((u) => u.tenantId === tenant.id && u.homeUserId === account.id && !u.deleted);
  if (!guest) {
    throw new IdentityError(400, 'invalid_grant', 50020, `User account '${username}' from identity provider does not exist in tenant '${tenant.name}' and cannot access the application in that tenant.`);
  }
  return { account, principal: guest };
}

export function checkEnabled(user: User): void {
  if (!user.accountEnabled) throw new IdentityError(400, 'invalid_grant', 50057, 'The user account is disabled.');
}

/**
 * The account that signs in and the object it signs in as must both be usable: a guest fails when its guest object
 * in the resource tenant is disabled, and when its home account is disabled or deleted.
 */
export function checkUsable(store: Store, principal: User): void {
  checkEnabled(principal);
  if (principal.homeUserId === null) return;
  const home = store.users.get(principal.homeUserId);
  if (!home || home.deleted) throw new IdentityError(400, 'invalid_grant', 50034, 'The user account does not exist in the directory of its home tenant.');
  checkEnabled(home);
}

/** A password an admin reset with forceChangePasswordNextSignIn must be changed interactively first: ROPC cannot. */
export function checkPasswordCurrent(store: Store, account: User): void {
  if (store.passwordChangeRequired.has(account.id)) {
    throw new IdentityError(400, 'invalid_grant', 50055, 'The password is expired. The user must change their password before signing in.');
  }
}

import { z } from 'zod';
import { PERMISSIONS, authorize, type Requirement } from '../auth/permissions';
import { type GraphRouter, objectBody } from '../http/call';
import { noContent } from '../http/exchange';
import { GraphError } from '../http/graph-error';
import type { Principal, User } from '../state/model';

/** What `PATCH /users/{id}` may set in the sandbox, and how each value is checked. */
const updatable = {
  accountEnabled: z.boolean(),
  // displayName cannot be cleared.
  displayName: z.string().trim().min(1).max(256),
  givenName: z.string().max(64).nullable(),
  surname: z.string().max(64).nullable(),
  jobTitle: z.string().max(128).nullable(),
  passwordProfile: z
    .object({
      password: z.string().min(8).max(256),
      forceChangePasswordNextSignIn: z.boolean().optional(),
      forceChangePasswordNextSignInWithMfa: z.boolean().optional(),
    })
    .strict(),
} as const;
type Updatable = keyof typeof updatable;
const UPDATABLE = new Set<string>(Object.keys(updatable));

/** Properties a user can change about themselves with User.ReadWrite. */
const OWN_PROFILE = new Set<string>(['displayName', 'givenName', 'surname', 'jobTitle']);

/** Properties Graph computes or sets itself. */
const READ_ONLY = new Set([
  'id',
  'createdDateTime',
  'creationType',
  'deletedDateTime',
  'externalUserState',
  'externalUserStateChangeDateTime',
  'lastPasswordChangeDateTime',
  'onPremisesSyncEnabled',
  'onPremisesLastSyncDateTime',
  'signInSessionsValidFromDateTime',
  'signInActivity',
  'assignedLicenses',
  'assignedPlans',
  'provisionedPlans',
  'proxyAddresses',
]);

/** Writable in Graph v1.0, but not emulated here: refused clearly rather than silently dropped. */
const NOT_EMULATED = new Set([
  'aboutMe',
  'birthday',
  'businessPhones',
  'city',
  'companyName',
  'country',
  'department',
  'employeeId',
  'employeeType',
  'hireDate',
  'identities',
  'interests',
  'mail',
  'mailNickname',
  'mobilePhone',
  'mySite',
  'officeLocation',
  'onPremisesImmutableId',
  'otherMails',
  'passwordPolicies',
  'pastProjects',
  'postalCode',
  'preferredLanguage',
  'responsibilities',
  'schools',
  'skills',
  'state',
  'streetAddress',
  'usageLocation',
  'userPrincipalName',
  'userType',
]);

const badProperty = (message: string) => new GraphError(400, 'Request_BadRequest', message);

/** The permission one update needs: accountEnabled alone is an enable/disable; a user may edit their own profile. */
function requirementFor(keys: readonly string[], principal: Principal, target: User | undefined): Requirement {
  if (principal.kind === 'delegated' && target && target.id === principal.userId && keys.length > 0 && keys.every((k) => OWN_PROFILE.has(k))) {
    return PERMISSIONS.updateOwnProfile;
  }
  if (keys.length === 1 && keys[0] === 'accountEnabled') return PERMISSIONS.enableDisableUsers;
  return PERMISSIONS.updateUsers;
}

/**
 * Graph v1.0 "Update user": `PATCH /users/{id | userPrincipalName}`, 204 No Content. The sandbox emulates
 * accountEnabled, displayName, givenName, surname, jobTitle and passwordProfile; a read-only or unknown property is
 * Graph's 400, a writable one the sandbox does not emulate is a 400 saying so. Counted as a directory write.
 * A new password is held as the account's credential (ROPC works with it) and revokes the user's refresh tokens,
 * as an admin password reset does in Entra; accountEnabled false makes every later sign-in fail (AADSTS50057).
 */
export function registerUserUpdate(router: GraphRouter): void {
  router.add('PATCH', '/users/{id}', (request, params, { sandbox, principal }) => {
    const body = objectBody(request.body);
    const keys = Object.keys(body).filter((k) => !k.startsWith('@odata.'));
    const target = sandbox.store.findUser(principal.tenantId, params['id'] as string);
    authorize(principal, requirementFor(keys, principal, target));
    if (keys.includes('passwordProfile') && principal.kind === 'delegated' && !principal.scopes.has('Directory.AccessAsUser.All')) {
      throw new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation. Updating passwordProfile with a delegated token requires Directory.AccessAsUser.All.');
    }
    sandbox.throttle.take('directoryWrites', `${principal.tenantId}:${principal.clientId}`);
    if (!target) {
      throw new GraphError(404, 'Request_ResourceNotFound', `Resource '${params['id']}' does not exist or one of its queried reference-property objects are not present.`);
    }

    const changes: Partial<{ [K in Updatable]: z.infer<(typeof updatable)[K]> }> = {};
    for (const key of keys) {
      if (READ_ONLY.has(key)) throw badProperty(`Property '${key}' is read-only and cannot be set.`);
      if (NOT_EMULATED.has(key)) throw new GraphError(400, 'BadRequest', `The sandbox does not emulate updating the user property '${key}' (Graph allows it).`);
      if (!UPDATABLE.has(key)) throw badProperty(`Property '${key}' does not exist as a declared property or extension property.`);
      const parsed = updatable[key as Updatable].safeParse(body[key]);
      if (!parsed.success) {
        const where = [key, ...(parsed.error.issues[0]?.path ?? []).map(String)].join('.');
        throw badProperty(`Invalid value specified for property '${where}' of resource 'User'.`);
      }
      (changes as Record<string, unknown>)[key] = parsed.data;
    }
    if (changes.passwordProfile && target.userType === 'Guest') {
      throw badProperty('A guest signs in with the account of its home tenant; its password cannot be set in this tenant.');
    }

    if (changes.accountEnabled !== undefined) target.accountEnabled = changes.accountEnabled;
    if (changes.displayName !== undefined) target.displayName = changes.displayName;
    if (changes.givenName !== undefined) target.givenName = changes.givenName;
    if (changes.surname !== undefined) target.surname = changes.surname;
    if (changes.jobTitle !== undefined) target.jobTitle = changes.jobTitle;
    if (changes.passwordProfile) {
      sandbox.store.passwords.set(target.id, changes.passwordProfile.password);
      const mustChange = changes.passwordProfile.forceChangePasswordNextSignIn === true || changes.passwordProfile.forceChangePasswordNextSignInWithMfa === true;
      if (mustChange) sandbox.store.passwordChangeRequired.add(target.id);
      else sandbox.store.passwordChangeRequired.delete(target.id);
      sandbox.tokens.revokeUser(target.id);
    }
    if (keys.length > 0) target.version = sandbox.store.nextVersion();
    return noContent();
  });
}

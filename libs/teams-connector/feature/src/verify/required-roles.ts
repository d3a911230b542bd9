/** An application permission Guest Account Sync needs, satisfied by any of the listed roles. */
export interface RoleRequirement {
  readonly need: string;
  readonly anyOf: readonly string[];
}

/** In the customer tenant: read the directory, invite guests, disable them, read the teams. */
export const CUSTOMER_TENANT_ROLES: readonly RoleRequirement[] = [
  { need: 'read the directory', anyOf: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'] },
  { need: 'invite guests', anyOf: ['User.Invite.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'] },
  { need: 'disable guests', anyOf: ['User.ReadWrite.All', 'Directory.ReadWrite.All', 'User.EnableDisableAccount.All'] },
  { need: 'read the teams', anyOf: ['Team.ReadBasic.All', 'TeamSettings.Read.All', 'TeamSettings.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'] },
];

/** In Parley's home tenant: create the accounts behind the guests. */
export const HOME_TENANT_ROLES: readonly RoleRequirement[] = [{ need: 'create home accounts', anyOf: ['User.ReadWrite.All', 'Directory.ReadWrite.All'] }];

/** The requirements a token's `roles` claim does not meet, as one sentence, or null when it meets them all. */
export function missingRoles(roles: readonly string[], required: readonly RoleRequirement[]): string | null {
  const held = new Set(roles);
  const missing = required.filter((r) => !r.anyOf.some((role) => held.has(role)));
  if (missing.length === 0) return null;
  return missing.map((r) => `${r.anyOf[0]} (to ${r.need})`).join(', ');
}

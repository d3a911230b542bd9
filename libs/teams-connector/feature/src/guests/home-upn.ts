/** Entra limits the part of a UPN before the @ to 64 characters. */
const MAX_LOCAL_PART = 64;

/**
 * The home account behind a person's guest: `<email local part>.<first 8 hex of personId>@<homeTenantDomain>`
 * (docs/user-sync.md). The local part keeps what a UPN allows (letters, digits, `.`, `-`, `_`), lower-cased, with
 * no leading, trailing or doubled dots, and is shortened so the whole stays within 64 characters. The person id
 * suffix keeps two people with the same local part (ada@a.example, ada@b.example) apart.
 */
export function homeUserPrincipalName(email: string, personId: string, homeTenantDomain: string): string {
  const at = email.lastIndexOf('@');
  const local = (at >= 0 ? email.slice(0, at) : email).toLowerCase();
  const suffix = personId.replace(/-/g, '').slice(0, 8).toLowerCase();
  if (!/^[0-9a-f]{8}$/.test(suffix)) throw new Error(`person id ${personId} does not start with 8 hex digits`);
  const cleaned = local
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[.-]+|[.-]+$/g, '');
  const room = MAX_LOCAL_PART - suffix.length - 1;
  const kept = cleaned.slice(0, room).replace(/[.-]+$/g, '') || 'guest';
  return `${kept}.${suffix}@${homeTenantDomain.toLowerCase()}`;
}

/** A mail nickname (the alias Graph requires on POST /users) from a home UPN: its local part. */
export function mailNicknameOf(userPrincipalName: string): string {
  return userPrincipalName.slice(0, userPrincipalName.indexOf('@'));
}

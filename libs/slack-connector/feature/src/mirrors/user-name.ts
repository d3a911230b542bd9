/** Slack handles are at most 21 characters: lower-case letters, digits, periods, hyphens and underscores. */
export const MAX_USER_NAME_LENGTH = 21;

const SEPARATORS = /^[._-]+|[._-]+$/g;

/**
 * The SCIM userName of a mirror, derived from the email's local part ("Grace.Hopper+x@acme.com" -> "grace.hopper.x").
 * With `personId`, a variant that ends in a short, stable piece of it, for when the plain one is taken by someone else.
 * The same inputs always give the same name, so a replayed command finds what an earlier attempt created.
 */
export function deriveUserName(email: string, personId?: string): string {
  const local = email.trim().split('@')[0] ?? '';
  let base = local
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '.')
    .replace(/([._-])[._-]+/g, '$1')
    .replace(SEPARATORS, '');
  if (!base) base = 'parley.user';
  if (personId === undefined) return trimTo(base, MAX_USER_NAME_LENGTH);
  const suffix = personId.replace(/[^0-9a-f]/gi, '').slice(0, 6).toLowerCase() || '0';
  return `${trimTo(base, MAX_USER_NAME_LENGTH - suffix.length - 1)}-${suffix}`;
}

function trimTo(value: string, length: number): string {
  return value.slice(0, length).replace(SEPARATORS, '') || 'user';
}

/** "Grace Brewster Hopper" -> given "Grace", family "Brewster Hopper"; a single word is the given name. */
export function splitName(displayName: string): { givenName: string; familyName: string } {
  const [givenName = '', ...rest] = displayName.trim().split(/\s+/);
  return { givenName, familyName: rest.join(' ') };
}

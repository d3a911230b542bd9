import type { AccountView, PersonView } from '@parley/internal-api';

export type Platform = 'slack' | 'teams';

export const otherPlatform = (platform: Platform): Platform => (platform === 'slack' ? 'teams' : 'slack');

/** Looks a platform user id up among the people identity knows (on the platform the id belongs to). */
export type PersonLookup = (platformUserId: string) => PersonView | undefined;

/**
 * An account Parley can name as a member or a mention: it exists on the platform (a real user id, not a profile mirror,
 * which is only a name and a picture) and is not deactivated. One that needs attention still counts: the connector
 * falls back to the app's voice for it.
 */
export function usable(account: AccountView): account is AccountView & { platformUserId: string } {
  return account.platformUserId !== null && account.status !== 'deactivated' && !(account.kind === 'mirror' && account.mirrorKind === 'profile');
}

/** The person's account with this user id on this platform. */
export function accountWithId(person: PersonView, platform: Platform, platformUserId: string): AccountView | undefined {
  return person.accounts.find((a) => a.platform === platform && a.platformUserId === platformUserId);
}

/** A guest or a mirror: an account Parley made and holds for someone whose home is the other platform. */
export const isRepresentation = (account: AccountView): boolean => account.kind === 'guest' || account.kind === 'mirror';

/**
 * Where a person is on the other platform (relay.md, Who speaks as whom): a representation on the source side stands
 * for the person's native account there; a native account on the source side maps to whatever account they have there,
 * native first.
 */
export function accountOnTarget(person: PersonView, sourceAccount: AccountView | undefined, target: Platform): (AccountView & { platformUserId: string }) | undefined {
  const candidates = person.accounts.filter((a) => a.platform === target).filter(usable);
  if (sourceAccount && isRepresentation(sourceAccount)) return candidates.find((a) => a.kind === 'native');
  return candidates.find((a) => a.kind === 'native') ?? candidates.find(isRepresentation);
}

/** A person's account on the platform for a mention: the same mapping without knowing the source account. */
export function mentionTarget(person: PersonView, source: Platform, sourceUserId: string): string | undefined {
  return accountOnTarget(person, accountWithId(person, source, sourceUserId), otherPlatform(source))?.platformUserId;
}

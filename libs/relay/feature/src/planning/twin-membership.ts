import { accountOnTarget, accountWithId, isRepresentation, otherPlatform, type PersonLookup, type Platform } from './people';

/** A participant the twin includes: who they are and their id on each side. */
export interface TwinMember {
  readonly personId: string;
  readonly displayName: string;
  readonly sourceUserId: string;
  readonly targetUserId: string;
}

/** A participant left out of the twin: no account Parley can reach on the other side (or unknown to Parley). */
export interface LeftOutMember {
  readonly sourceUserId: string;
  readonly personId?: string;
  readonly displayName?: string;
}

export type TwinMembership =
  | { readonly relayed: false; readonly why: string }
  | { readonly relayed: true; readonly members: readonly TwinMember[]; readonly leftOut: readonly LeftOutMember[]; readonly memberKey: string };

/**
 * Whether a DM or group DM is relayed, and who its twin has (relay.md, Which conversations are relayed): it is relayed
 * when a member is a representation Parley holds (a guest or a mirror). Every member with an account on the other side
 * is in the twin under that account; the rest are left out. The sender must be reachable on the other side, or the
 * message could not be posted as anyone there.
 */
export function planTwinMembership(source: Platform, memberIds: readonly string[], senderId: string, lookup: PersonLookup): TwinMembership {
  const target = otherPlatform(source);
  const ids = [...new Set([...memberIds, senderId])];
  let holdsRepresentation = false;
  const members: TwinMember[] = [];
  const leftOut: LeftOutMember[] = [];
  for (const id of ids) {
    const person = lookup(id);
    if (!person) {
      leftOut.push({ sourceUserId: id });
      continue;
    }
    const sourceAccount = accountWithId(person, source, id);
    if (sourceAccount && isRepresentation(sourceAccount)) holdsRepresentation = true;
    const there = accountOnTarget(person, sourceAccount, target);
    if (there && person.status === 'active') {
      members.push({ personId: person.id, displayName: person.displayName, sourceUserId: id, targetUserId: there.platformUserId });
    } else {
      leftOut.push({ sourceUserId: id, personId: person.id, displayName: person.displayName });
    }
  }
  if (!holdsRepresentation) return { relayed: false, why: 'no member is a guest or mirror Parley holds' };
  if (!members.some((m) => m.sourceUserId === senderId)) return { relayed: false, why: `the sender has no account Parley can use on ${target}` };
  if (members.length < 2) return { relayed: false, why: `nobody else in the conversation has an account on ${target}` };
  return { relayed: true, members, leftOut, memberKey: memberKey(members.map((m) => m.personId)) };
}

/** The same people give the same key, in any order. */
export const memberKey = (personIds: readonly string[]): string => [...new Set(personIds)].sort().join(',');

/** Who did not get the message, for the sender: names where Parley knows them, else the platform id. */
export function unreachedText(leftOut: readonly LeftOutMember[], target: Platform): string {
  const names = leftOut.map((m) => m.displayName ?? `someone Parley does not know (${m.sourceUserId})`);
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  const platformName = target === 'teams' ? 'Teams' : 'Slack';
  return `${list} did not get your message: they have no ${platformName} account Parley can reach.`;
}

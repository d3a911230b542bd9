import type { PersonView } from '@parley/internal-api';
import { describeReaction, reactionFromSlack, reactionFromTeams, type Reaction } from '@parley/relay-formatting';
import { accountOnTarget, accountWithId, isRepresentation, otherPlatform, type Platform } from './people';

/** A reaction in both platforms' terms: the key that pairs an add with its remove, and what the target platform takes. */
export type TargetReaction =
  | { readonly kind: 'carried'; readonly key: string; readonly name: string }
  | { readonly kind: 'not-carried'; readonly key: string; readonly reason: string };

/**
 * What a reaction named on `source` becomes on the other side (ADR 0032): Teams takes the unicode emoji, Slack its
 * canonical name. A custom Slack emoji (or a Teams type that is no emoji) is not carried, with a reason that says so.
 */
export function reactionOnTarget(source: Platform, name: string): TargetReaction {
  const reaction: Reaction = source === 'slack' ? reactionFromSlack(name) : reactionFromTeams(name);
  if (reaction.kind === 'custom') {
    return { kind: 'not-carried', key: reaction.key, reason: `not carried: ${describeReaction(reaction)} is a custom Slack emoji with no Teams equivalent` };
  }
  if (reaction.kind === 'unknown') {
    return { kind: 'not-carried', key: reaction.key, reason: `not carried: the Teams reaction ${describeReaction(reaction)} is not an emoji Slack has` };
  }
  if (source === 'slack') return { kind: 'carried', key: reaction.key, name: reaction.unicode };
  if (reaction.slackName === undefined) {
    return { kind: 'not-carried', key: reaction.key, reason: `not carried: ${reaction.unicode} has no Slack emoji name` };
  }
  return { kind: 'carried', key: reaction.key, name: reaction.slackName };
}

/** Who reacted, as the relay sees them: nobody it knows, Parley itself (a representation), or a person with or without an account over there. */
export type Reactor =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'parley' }
  | { readonly kind: 'person'; readonly personId: string; readonly displayName: string; readonly hasTargetAccount: boolean };

export function classifyReactor(source: Platform, platformUserId: string, person: PersonView | undefined): Reactor {
  if (!person) return { kind: 'unknown' };
  const account = accountWithId(person, source, platformUserId);
  // Parley reacts as representations (guests, mirrors); a reaction by one is Parley's own, seen again.
  if (account && isRepresentation(account)) return { kind: 'parley' };
  return { kind: 'person', personId: person.id, displayName: person.displayName, hasTargetAccount: accountOnTarget(person, account, otherPlatform(source)) !== undefined };
}

/** What the relay knows, when a reaction change is observed or its turn comes, about the message it is on. */
export interface ReactionFacts {
  readonly reactor: Reactor;
  readonly reaction: TargetReaction;
  /** The target-side conversation of the message; null while the twin's side is not open yet. */
  readonly targetConversationId: string | null;
  /** The target-side id of the message (its post, or the original Parley posted from); null while not known. */
  readonly targetMessageId: string | null;
  /** How the message's crossing went when it was carried from the reacting side; null when it is Parley's post. */
  readonly original: { readonly state: 'pending' | 'delivered' | 'failed'; readonly reason: string | null } | null;
  readonly messageDeleted: boolean;
  /** An earlier change on the same message still waits: this one waits behind it, so add-then-remove never crosses. */
  readonly earlierWaiting: boolean;
}

export type ReactionDecision =
  | { readonly kind: 'ignore'; readonly why: string }
  | { readonly kind: 'send'; readonly conversationId: string; readonly targetMessageId: string; readonly reaction: string }
  | { readonly kind: 'wait'; readonly why: string }
  | { readonly kind: 'fail'; readonly reason: string; readonly state: 'failed' | 'unvoiced' };

/**
 * The rules for one reaction change (relay.md, Invariants; ADR 0032): Parley's own reactions are echoes; a reaction is
 * made as the person or not at all; it waits for the link of the message it is on, and fails with the message's reason
 * when the message never made it across.
 */
export function decideReaction(facts: ReactionFacts): ReactionDecision {
  if (facts.reactor.kind === 'parley') return { kind: 'ignore', why: 'a reaction Parley made itself' };
  if (facts.reaction.kind === 'not-carried') return { kind: 'fail', reason: facts.reaction.reason, state: 'failed' };
  if (facts.reactor.kind === 'unknown') return { kind: 'fail', reason: 'not carried: Parley does not know the person who reacted', state: 'unvoiced' };
  if (!facts.reactor.hasTargetAccount) {
    return { kind: 'fail', reason: `not carried: Parley has no voice for ${facts.reactor.displayName} on the other platform`, state: 'unvoiced' };
  }
  if (facts.messageDeleted) return { kind: 'fail', reason: 'not carried: the message was deleted', state: 'failed' };
  if (facts.earlierWaiting) return { kind: 'wait', why: 'an earlier reaction change on the message waits' };
  if (facts.targetMessageId !== null && facts.targetConversationId !== null) {
    return { kind: 'send', conversationId: facts.targetConversationId, targetMessageId: facts.targetMessageId, reaction: facts.reaction.name };
  }
  if (facts.original?.state === 'failed') {
    return { kind: 'fail', reason: `not carried: the message was not delivered (${facts.original.reason ?? 'no reason given'})`, state: 'failed' };
  }
  if (facts.original?.state === 'pending') return { kind: 'wait', why: 'the message is not delivered yet' };
  return { kind: 'fail', reason: 'not carried: the message has no post of its own on the other side', state: 'failed' };
}

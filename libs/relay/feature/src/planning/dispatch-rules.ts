/** What the relay knows about a queued delivery's lane and the message it changes when its turn comes. */
export interface DispatchFacts {
  readonly change: 'create' | 'edit' | 'delete';
  /** The target conversation's id; null while the twin's side is not open yet. */
  readonly targetConversationId: string | null;
  /** The target-side id this part was posted under, if it was. */
  readonly link: string | null;
  /** How the create of this part went, if there was one. */
  readonly original: { readonly state: 'pending' | 'delivered' | 'failed'; readonly reason: string | null } | null;
  /** Whether this part was already deleted on the other side. */
  readonly deleted?: boolean;
  /** The source-side thread root, and the target-side id it maps to once linked. */
  readonly threadRoot: { readonly sourceId: string; readonly targetId: string | null } | null;
}

export type DispatchDecision =
  | { readonly kind: 'send'; readonly target: 'existing' | 'open'; readonly targetMessageId?: string; readonly threadRootId?: string }
  | { readonly kind: 'wait'; readonly why: string }
  | { readonly kind: 'fail'; readonly reason: string };

/**
 * The rules for the delivery at the head of a lane (relay.md, Invariants): a create goes to the twin's side, or opens
 * it when it is not open yet; an edit or delete needs the link of the message it changes, and fails with a clear
 * reason when the original failed or was never relayed; a reply goes under the target-side id of its root, or as a
 * plain message when the root never made it across.
 */
export function decideDispatch(facts: DispatchFacts): DispatchDecision {
  const target = facts.targetConversationId === null ? 'open' : 'existing';
  if (facts.change === 'create') {
    const threadRootId = facts.threadRoot?.targetId ?? undefined;
    return { kind: 'send', target, ...(threadRootId ? { threadRootId } : {}) };
  }
  // A message the app posted for its sender while the twin's side was not open yet (fallback) is linked to that post:
  // the change goes to it, with the open target (the connector changes its fallback posts, wherever they are).
  if (facts.link !== null) {
    if (facts.deleted) return { kind: 'fail', reason: `the message was already deleted on the other side; the ${facts.change} was not carried` };
    const threadRootId = facts.threadRoot?.targetId ?? undefined;
    return { kind: 'send', target, targetMessageId: facts.link, ...(threadRootId ? { threadRootId } : {}) };
  }
  if (facts.original === null) return { kind: 'fail', reason: `the original message was never relayed, so the ${facts.change} cannot be carried` };
  if (facts.original.state === 'failed') {
    return { kind: 'fail', reason: `the original message was not delivered (${facts.original.reason ?? 'no reason given'}), so the ${facts.change} cannot be carried` };
  }
  if (facts.original.state === 'pending') return { kind: 'wait', why: 'the original message is not delivered yet' };
  return { kind: 'fail', reason: `the original message has no post of its own on the other side (it was deleted, or the app posted it for the sender), so the ${facts.change} cannot be carried` };
}

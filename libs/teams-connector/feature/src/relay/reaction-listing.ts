// Teams' reactions[] between two notifications (ADR 0032). Teams sends the whole list on every update of a message,
// sometimes twice for one change; the relay wants each add and remove once.

/** Teams' legacy reaction types and the emoji Teams shows for them (Graph: like, angry, sad, laugh, heart, surprised). */
const LEGACY: Readonly<Record<string, string>> = { like: '👍', heart: '❤', laugh: '😆', surprised: '😮', sad: '😢', angry: '😡' };

/**
 * One key per reaction as Teams may write it: a legacy name and its emoji, an emoji with or without FE0F, meet. The
 * relay maps the reaction to Slack itself; this only has to be stable between two listings and Parley's own sets.
 */
export function teamsReactionKey(reactionType: string): string {
  const type = reactionType.trim();
  const legacy = LEGACY[type.toLowerCase()];
  return (legacy ?? type).replace(/\uFE0F/g, '');
}

/** Someone's reaction on a message, as Teams lists it (`reactions[].user.user.id`, `reactionType`). */
export interface ListedReaction {
  readonly userId: string;
  readonly reactionType: string;
}

export interface ReactionChange {
  readonly change: 'added' | 'removed';
  readonly userId: string;
  readonly reactionType: string;
  readonly key: string;
}

/**
 * What changed between two listings of one message's reactions, compared by person and key: a listing that repeats a
 * reaction or writes it another way changes nothing, and the same listing twice gives no change at all.
 */
export function reactionChanges(before: readonly ListedReaction[], after: readonly ListedReaction[]): ReactionChange[] {
  const index = (list: readonly ListedReaction[]) => {
    const map = new Map<string, ListedReaction & { key: string }>();
    for (const r of list) {
      const key = teamsReactionKey(r.reactionType);
      if (key !== '' && !map.has(`${r.userId}\0${key}`)) map.set(`${r.userId}\0${key}`, { ...r, key });
    }
    return map;
  };
  const was = index(before);
  const now = index(after);
  const changes: ReactionChange[] = [];
  for (const [id, r] of was) if (!now.has(id)) changes.push({ change: 'removed', userId: r.userId, reactionType: r.reactionType, key: r.key });
  for (const [id, r] of now) if (!was.has(id)) changes.push({ change: 'added', userId: r.userId, reactionType: r.reactionType, key: r.key });
  return changes;
}

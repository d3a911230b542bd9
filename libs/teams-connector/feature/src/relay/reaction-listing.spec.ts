import fc from 'fast-check';
import { reactionChanges, teamsReactionKey, type ListedReaction } from './reaction-listing';

describe('teamsReactionKey', () => {
  it('meets a legacy name and its emoji, with or without FE0F', () => {
    expect(teamsReactionKey('like')).toBe(teamsReactionKey('👍'));
    expect(teamsReactionKey('heart')).toBe(teamsReactionKey('❤️'));
    expect(teamsReactionKey('❤')).toBe(teamsReactionKey('❤️'));
    expect(teamsReactionKey('👍🏻')).not.toBe(teamsReactionKey('👍'));
  });
});

describe('reactionChanges', () => {
  const people = ['ada', 'grace', 'frances'];
  const spellings = [['like', '👍', '👍️'], ['heart', '❤️', '❤'], ['laugh', '😆'], ['👍🏻'], ['🎉']];
  const listing = fc.array(
    fc.tuple(fc.constantFrom(...people), fc.constantFrom(...spellings), fc.nat()).map(([userId, names, i]): ListedReaction => ({ userId, reactionType: names[i % names.length] as string })),
    { maxLength: 12 },
  );
  const asSet = (list: readonly ListedReaction[]) => new Set(list.map((r) => `${r.userId}\0${teamsReactionKey(r.reactionType)}`));

  it('turns one listing into the next by its adds and removes, each once', () => {
    fc.assert(
      fc.property(listing, listing, (before, after) => {
        const state = asSet(before);
        const seen = new Set<string>();
        for (const c of reactionChanges(before, after)) {
          const id = `${c.userId}\0${c.key}`;
          expect(seen.has(id)).toBe(false);
          seen.add(id);
          expect(state.has(id)).toBe(c.change === 'removed');
          if (c.change === 'added') state.add(id);
          else state.delete(id);
        }
        expect(state).toEqual(asSet(after));
      }),
    );
  });

  it('finds nothing when the same listing arrives twice, in any order or spelling (Teams may notify one change twice)', () => {
    fc.assert(
      fc.property(listing, (list) => {
        const respelled = [...list].reverse().map((r) => ({ ...r, reactionType: r.reactionType === 'like' ? '👍' : r.reactionType }));
        expect(reactionChanges(list, respelled)).toEqual([]);
      }),
    );
  });

  it('pairs an add with its remove whatever spelling each used', () => {
    expect(reactionChanges([], [{ userId: 'ada', reactionType: 'like' }])).toEqual([{ change: 'added', userId: 'ada', reactionType: 'like', key: '👍' }]);
    expect(reactionChanges([{ userId: 'ada', reactionType: '👍️' }], [])).toEqual([{ change: 'removed', userId: 'ada', reactionType: '👍️', key: '👍' }]);
  });
});

import fc from 'fast-check';
import { demoPeople } from '../testing/people';
import { classifyReactor, decideReaction, reactionOnTarget, type ReactionFacts } from './reaction-rules';

describe('reactionOnTarget', () => {
  it('gives Teams the unicode and Slack the canonical name, with one key for an add and its remove', () => {
    expect(reactionOnTarget('slack', 'thumbsup::skin-tone-2')).toEqual({ kind: 'carried', key: 'u:👍🏻', name: '👍🏻' });
    expect(reactionOnTarget('teams', '👍🏻')).toEqual({ kind: 'carried', key: 'u:👍🏻', name: '+1::skin-tone-2' });
    expect(reactionOnTarget('teams', 'like')).toEqual({ kind: 'carried', key: 'u:👍', name: '+1' });
    expect(reactionOnTarget('slack', '+1').key).toBe(reactionOnTarget('slack', 'thumbsup').key);
  });

  it('reports a custom Slack emoji in clear text instead of dropping it', () => {
    expect(reactionOnTarget('slack', 'partyparrot')).toEqual({
      kind: 'not-carried',
      key: 'slack:partyparrot',
      reason: 'not carried: :partyparrot: is a custom Slack emoji with no Teams equivalent',
    });
    expect(reactionOnTarget('teams', 'custom-reaction-42')).toMatchObject({ kind: 'not-carried' });
  });
});

describe('classifyReactor', () => {
  const { ada, frances, linus, lookup } = demoPeople();

  it("takes a guest's or a mirror's reaction as Parley's own echo", () => {
    expect(classifyReactor('teams', 'aad-ada-guest', lookup('aad-ada-guest'))).toEqual({ kind: 'parley' });
    expect(classifyReactor('slack', 'U0FRAMIRROR', lookup('U0FRAMIRROR'))).toEqual({ kind: 'parley' });
  });

  it('knows whether the person has a voice on the other side', () => {
    expect(classifyReactor('slack', 'U0ADA', ada)).toEqual({ kind: 'person', personId: ada.id, displayName: 'Ada Lovelace', hasTargetAccount: true });
    expect(classifyReactor('teams', 'aad-frances', frances)).toMatchObject({ hasTargetAccount: true });
    expect(classifyReactor('slack', 'U0LIN', linus)).toMatchObject({ hasTargetAccount: false });
    expect(classifyReactor('slack', 'U0NOBODY', undefined)).toEqual({ kind: 'unknown' });
  });
});

describe('decideReaction', () => {
  const base: ReactionFacts = {
    reactor: { kind: 'person', personId: 'p1', displayName: 'Ada Lovelace', hasTargetAccount: true },
    reaction: { kind: 'carried', key: 'u:👍', name: '👍' },
    targetConversationId: '19:chat',
    targetMessageId: '1700',
    original: { state: 'delivered', reason: null },
    messageDeleted: false,
    earlierWaiting: false,
  };

  it('sends to the linked message', () => {
    expect(decideReaction(base)).toEqual({ kind: 'send', conversationId: '19:chat', targetMessageId: '1700', reaction: '👍' });
    expect(decideReaction({ ...base, original: null })).toMatchObject({ kind: 'send' });
  });

  it('waits for the message, and behind an earlier waiting change', () => {
    expect(decideReaction({ ...base, targetMessageId: null, original: { state: 'pending', reason: null } })).toMatchObject({ kind: 'wait' });
    expect(decideReaction({ ...base, earlierWaiting: true })).toMatchObject({ kind: 'wait' });
  });

  it('says why when it cannot carry a change', () => {
    expect(decideReaction({ ...base, targetMessageId: null, original: { state: 'failed', reason: 'not_in_channel' } })).toEqual({
      kind: 'fail',
      reason: 'not carried: the message was not delivered (not_in_channel)',
      state: 'failed',
    });
    expect(decideReaction({ ...base, reactor: { ...base.reactor, hasTargetAccount: false } as ReactionFacts['reactor'] })).toEqual({
      kind: 'fail',
      reason: 'not carried: Parley has no voice for Ada Lovelace on the other platform',
      state: 'unvoiced',
    });
    expect(decideReaction({ ...base, messageDeleted: true })).toMatchObject({ kind: 'fail', state: 'failed' });
  });

  it('never sends an echo, never waits forever on a failure, and sends only with a target id', () => {
    const facts = fc.record({
      reactor: fc.constantFrom<ReactionFacts['reactor']>(
        { kind: 'unknown' },
        { kind: 'parley' },
        { kind: 'person', personId: 'p', displayName: 'P', hasTargetAccount: true },
        { kind: 'person', personId: 'p', displayName: 'P', hasTargetAccount: false },
      ),
      reaction: fc.constantFrom<ReactionFacts['reaction']>({ kind: 'carried', key: 'u:👍', name: '👍' }, { kind: 'not-carried', key: 'slack:x', reason: 'not carried: x' }),
      targetConversationId: fc.option(fc.constant('19:chat'), { nil: null }),
      targetMessageId: fc.option(fc.constant('1700'), { nil: null }),
      original: fc.option(fc.record({ state: fc.constantFrom('pending' as const, 'delivered' as const, 'failed' as const), reason: fc.constant(null) }), { nil: null }),
      messageDeleted: fc.boolean(),
      earlierWaiting: fc.boolean(),
    });
    fc.assert(
      fc.property(facts, (f) => {
        const decision = decideReaction(f);
        if (f.reactor.kind === 'parley') expect(decision.kind).toBe('ignore');
        if (decision.kind === 'send') expect(f.targetMessageId !== null && f.reaction.kind === 'carried' && f.reactor.kind === 'person').toBe(true);
        if (decision.kind === 'wait') expect(f.earlierWaiting || f.original?.state === 'pending').toBe(true);
        if (f.original?.state === 'failed' && f.targetMessageId === null && !f.earlierWaiting) expect(decision.kind).not.toBe('wait');
      }),
    );
  });
});

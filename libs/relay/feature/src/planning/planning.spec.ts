import fc from 'fast-check';
import { demoPeople, person, native } from '../testing/people';
import { decideDispatch, type DispatchFacts } from './dispatch-rules';
import { planPartChanges } from './part-changes';
import { contentHash, mentionedUserIds, translateBody } from './translation';
import { memberKey, planTwinMembership, unreachedText } from './twin-membership';
import { chooseVoice } from './voice';

describe('planTwinMembership', () => {
  const { ada, grace, frances, linus, lookup } = demoPeople();

  it('relays a Slack DM with a mirror: the mirror becomes the person native Teams account, the native one their guest', () => {
    const plan = planTwinMembership('slack', ['U0ADA', 'U0FRAMIRROR'], 'U0ADA', lookup);
    expect(plan).toEqual({
      relayed: true,
      members: [
        { personId: ada.id, displayName: 'Ada Lovelace', sourceUserId: 'U0ADA', targetUserId: 'aad-ada-guest' },
        { personId: frances.id, displayName: 'Frances Allen', sourceUserId: 'U0FRAMIRROR', targetUserId: 'aad-frances' },
      ],
      leftOut: [],
      memberKey: memberKey([ada.id, frances.id]),
    });
  });

  it('relays the Teams twin of the same DM to the same people, so both sides find one twin', () => {
    const fromSlack = planTwinMembership('slack', ['U0ADA', 'U0FRAMIRROR'], 'U0ADA', lookup);
    const fromTeams = planTwinMembership('teams', ['aad-frances', 'aad-ada-guest'], 'aad-frances', lookup);
    expect(fromTeams.relayed && fromTeams.members.map((m) => [m.sourceUserId, m.targetUserId])).toEqual([
      ['aad-frances', 'U0FRAMIRROR'],
      ['aad-ada-guest', 'U0ADA'],
    ]);
    expect(fromTeams.relayed && fromTeams.memberKey).toBe(fromSlack.relayed && fromSlack.memberKey);
  });

  it('leaves out a participant with no account on the other side and names them', () => {
    const plan = planTwinMembership('slack', ['U0ADA', 'U0GRA', 'U0FRAMIRROR', 'U0LIN', 'U0STRANGER'], 'U0ADA', lookup);
    if (!plan.relayed) throw new Error(plan.why);
    expect(plan.members.map((m) => m.personId)).toEqual([ada.id, grace.id, frances.id]);
    expect(plan.leftOut).toEqual([{ sourceUserId: 'U0LIN', personId: linus.id, displayName: 'Linus Pauling' }, { sourceUserId: 'U0STRANGER' }]);
    expect(unreachedText(plan.leftOut, 'teams')).toBe(
      'Linus Pauling and someone Parley does not know (U0STRANGER) did not get your message: they have no Teams account Parley can reach.',
    );
  });

  it('does not relay a conversation of native accounts only (each side already sees it)', () => {
    expect(planTwinMembership('slack', ['U0ADA', 'U0GRA'], 'U0ADA', lookup)).toMatchObject({ relayed: false });
    expect(planTwinMembership('teams', ['aad-frances', 'aad-mary'], 'aad-mary', lookup)).toMatchObject({ relayed: false });
  });

  it('does not relay when the sender cannot be reached on the other side', () => {
    expect(planTwinMembership('slack', ['U0LIN', 'U0FRAMIRROR'], 'U0LIN', lookup)).toMatchObject({ relayed: false, why: 'the sender has no account Parley can use on teams' });
  });

  it('does not relay when nobody else is on the other side', () => {
    expect(planTwinMembership('teams', ['aad-mary', 'aad-ada-guest'], 'aad-mary', lookup)).toMatchObject({ relayed: false, why: 'the sender has no account Parley can use on slack' });
    expect(planTwinMembership('slack', ['U0FRAMIRROR', 'U0LIN'], 'U0FRAMIRROR', lookup)).toMatchObject({ relayed: false, why: 'nobody else in the conversation has an account on teams' });
  });

  it('leaves out a deactivated account and a profile mirror (no Slack user to add)', () => {
    const gone = person('Gone Person', 'teams', [native('teams', 'aad-gone'), { platform: 'slack', kind: 'mirror', status: 'deactivated', platformUserId: 'U0GONE' }]);
    const profile = person('Pro File', 'teams', [native('teams', 'aad-pro'), { platform: 'slack', kind: 'mirror', status: 'active', platformUserId: 'pm-1', mirrorKind: 'profile' }]);
    const all = [...demoPeople().all, gone, profile];
    const find = (id: string) => all.find((p) => p.accounts.some((a) => a.platformUserId === id));
    const plan = planTwinMembership('teams', ['aad-ada-guest', 'aad-frances', 'aad-gone', 'aad-pro'], 'aad-frances', find);
    expect(plan.relayed && plan.leftOut.map((m) => m.displayName)).toEqual(['Gone Person', 'Pro File']);
  });

  it('gives the same member key for any order and repetition of the same people', () => {
    fc.assert(
      fc.property(fc.array(fc.uuid(), { minLength: 1, maxLength: 8 }), fc.integer(), (ids, seed) => {
        const shuffled = [...ids, ...ids.slice(0, 2)].sort(() => (seed % 3) - 1);
        expect(memberKey(shuffled)).toBe(memberKey(ids));
      }),
    );
  });
});

describe('chooseVoice', () => {
  const { ada, frances, grace, lookup } = demoPeople();
  it('speaks as the author; every other member is a recipient by their target-side id', () => {
    const plan = planTwinMembership('slack', ['U0ADA', 'U0GRA', 'U0FRAMIRROR'], 'U0GRA', lookup);
    if (!plan.relayed) throw new Error(plan.why);
    expect(chooseVoice(plan.members, grace.id)).toEqual({
      senderPersonId: grace.id,
      senderDisplayName: 'Grace Hopper',
      recipientPlatformUserIds: ['aad-ada-guest', 'aad-frances'],
    });
    expect(chooseVoice(plan.members, frances.id).recipientPlatformUserIds).toEqual(['aad-ada-guest', 'aad-grace-guest']);
    expect(() => chooseVoice(plan.members.filter((m) => m.personId !== ada.id), ada.id)).toThrow();
  });
});

describe('translateBody', () => {
  const { lookup } = demoPeople();

  it('carries Slack formatting and maps a mention to the person account on Teams; an unknown one becomes text', () => {
    const [part, ...rest] = translateBody({ format: 'slack-mrkdwn', content: 'hi <@U0FRAMIRROR>, *bold* and <@U0NOBODY>' }, 'slack', lookup);
    expect(rest).toEqual([]);
    expect(part?.format).toBe('teams-html');
    expect(part?.content).toContain('<strong>bold</strong>');
    expect(part?.content).toContain('<at id="0">Frances Allen</at>');
    expect(part?.content).not.toContain('U0NOBODY>');
    expect(part?.mentions).toEqual([{ id: 0, mentionText: 'Frances Allen', userId: 'aad-frances' }]);
  });

  it('maps a Teams mention of a guest to the person native Slack account', () => {
    const parts = translateBody(
      { format: 'teams-html', content: '<p>hi <at id="0">Ada</at> <em>now</em></p>', mentions: [{ id: 0, mentionText: 'Ada', userId: 'aad-ada-guest' }] },
      'teams',
      lookup,
    );
    expect(parts).toEqual([{ format: 'slack-mrkdwn', content: 'hi <@U0ADA> _now_' }]);
  });

  it('escapes plain text so nothing typed becomes markup or a mention', () => {
    const [slack] = translateBody({ format: 'plain', content: '<!channel> <@U0ADA> <script>' }, 'teams', lookup);
    expect(slack?.content).toBe('&lt;!channel&gt; &lt;@U0ADA&gt; &lt;script&gt;');
    const [teams] = translateBody({ format: 'plain', content: '<at id="0">x</at> <script>' }, 'slack', lookup);
    expect(teams?.content).not.toMatch(/<at|<script/);
  });

  it('splits text over the limit into parts that keep every word, in order', () => {
    const words = Array.from({ length: 2_000 }, (_, i) => `word${i}`);
    const parts = translateBody({ format: 'teams-html', content: `<p>${words.join(' ')}</p>` }, 'teams', lookup);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => p.content.length <= 4_000)).toBe(true);
    expect(parts.map((p) => p.content).join(' ').split(/\s+/).filter(Boolean)).toEqual(words);
  });

  it('has nothing to carry for an empty body', () => {
    expect(translateBody({ format: 'teams-html', content: '<p></p>' }, 'teams', lookup)).toEqual([]);
  });

  it('finds the mentioned ids to look up', () => {
    expect(mentionedUserIds({ format: 'slack-mrkdwn', content: '<@U1> and <@W2|x> not <#C1>' })).toEqual(['U1', 'W2']);
    expect(mentionedUserIds({ format: 'teams-html', content: '', mentions: [{ id: 0, mentionText: 'a', userId: 'x' }, { id: 1, mentionText: 'team' }] })).toEqual(['x']);
  });

  it('hashes content, never keeping it, and tells different content apart', () => {
    const a = contentHash({ format: 'slack-mrkdwn', content: 'secret' });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toContain('secret');
    expect(contentHash({ format: 'slack-mrkdwn', content: 'secret!' })).not.toBe(a);
    expect(contentHash(undefined)).toBeNull();
  });
});

describe('planPartChanges', () => {
  it('creates every part of a new message and deletes every posted part of a deleted one', () => {
    expect(planPartChanges('created', 0, 2)).toEqual([{ part: 0, change: 'create' }, { part: 1, change: 'create' }]);
    expect(planPartChanges('deleted', 3, 0).map((c) => c.change)).toEqual(['delete', 'delete', 'delete']);
  });

  it('an edit touches each part exactly once: edits the common ones, creates new ones, deletes the surplus', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), (before, after) => {
        const plan = planPartChanges('edited', before, after);
        expect(plan.map((c) => c.part)).toEqual([...Array(Math.max(before, after)).keys()]);
        for (const { part, change } of plan) {
          expect(change).toBe(part < Math.min(before, after) ? 'edit' : part < after ? 'create' : 'delete');
        }
      }),
    );
  });
});

describe('decideDispatch', () => {
  const base: DispatchFacts = { change: 'create', targetConversationId: '19:chat', link: null, original: null, threadRoot: null };

  it('opens the twin side with the first message and posts to it afterwards', () => {
    expect(decideDispatch({ ...base, targetConversationId: null })).toEqual({ kind: 'send', target: 'open' });
    expect(decideDispatch(base)).toEqual({ kind: 'send', target: 'existing' });
  });

  it('a reply goes under its root target-side id, or as a plain message when the root never made it across', () => {
    expect(decideDispatch({ ...base, threadRoot: { sourceId: '1.1', targetId: 'T-1' } })).toEqual({ kind: 'send', target: 'existing', threadRootId: 'T-1' });
    expect(decideDispatch({ ...base, threadRoot: { sourceId: '1.1', targetId: null } })).toEqual({ kind: 'send', target: 'existing' });
  });

  it('an edit or delete goes to the linked message, waits for a pending original and fails clearly for a failed one', () => {
    const edit: DispatchFacts = { ...base, change: 'edit' };
    expect(decideDispatch({ ...edit, link: 'T-9', original: { state: 'delivered', reason: null } })).toEqual({ kind: 'send', target: 'existing', targetMessageId: 'T-9' });
    expect(decideDispatch({ ...edit, original: { state: 'pending', reason: null } })).toMatchObject({ kind: 'wait' });
    expect(decideDispatch({ ...edit, original: { state: 'failed', reason: 'Forbidden: policy' } })).toEqual({
      kind: 'fail',
      reason: 'the original message was not delivered (Forbidden: policy), so the edit cannot be carried',
    });
    expect(decideDispatch({ ...base, change: 'delete' })).toEqual({ kind: 'fail', reason: 'the original message was never relayed, so the delete cannot be carried' });
    expect(decideDispatch({ ...edit, link: 'T-9', deleted: true, original: { state: 'delivered', reason: null } })).toMatchObject({ kind: 'fail' });
  });

  it('an edit or delete of a channel reply names its root on the other side (Graph addresses a reply under it)', () => {
    const edit: DispatchFacts = { ...base, change: 'edit', link: 'T-9', original: { state: 'delivered', reason: null }, threadRoot: { sourceId: '1.1', targetId: 'T-1' } };
    expect(decideDispatch(edit)).toEqual({ kind: 'send', target: 'existing', targetMessageId: 'T-9', threadRootId: 'T-1' });
    expect(decideDispatch({ ...edit, change: 'delete' })).toEqual({ kind: 'send', target: 'existing', targetMessageId: 'T-9', threadRootId: 'T-1' });
  });

  it("changes a fallback post of a message whose twin side is not open yet (the app's post is its link)", () => {
    const edit: DispatchFacts = { ...base, change: 'edit', targetConversationId: null, link: '600.1', original: { state: 'delivered', reason: null } };
    expect(decideDispatch(edit)).toEqual({ kind: 'send', target: 'open', targetMessageId: '600.1' });
    expect(decideDispatch({ ...edit, change: 'delete' })).toEqual({ kind: 'send', target: 'open', targetMessageId: '600.1' });
  });

  it('never sends an edit or delete without the id of the message it changes', () => {
    const state = fc.constantFrom('pending' as const, 'delivered' as const, 'failed' as const);
    fc.assert(
      fc.property(
        fc.constantFrom('edit' as const, 'delete' as const),
        fc.option(fc.string({ minLength: 1 })),
        fc.option(fc.string({ minLength: 1 })),
        fc.option(fc.record({ state, reason: fc.option(fc.string()) })),
        fc.boolean(),
        (change, target, link, original, deleted) => {
          const decision = decideDispatch({ change, targetConversationId: target, link, original, deleted, threadRoot: null });
          if (decision.kind === 'send') {
            expect(decision.targetMessageId).toBe(link);
            expect(decision.target).toBe(target === null ? 'open' : 'existing');
          }
        },
      ),
    );
  });
});

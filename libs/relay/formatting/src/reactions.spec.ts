// Reactions: every way of writing an emoji meets at one key, both ways, so an add and its remove always match.
import fc from 'fast-check';
import compact from 'emojibase-data/en/compact.json';
import githubNames from 'emojibase-data/en/shortcodes/github.json';
import iamcalNames from 'emojibase-data/en/shortcodes/iamcal.json';
import { reactionFromSlack, reactionFromTeams } from './reactions';

const asList = (value: string | string[]) => (Array.isArray(value) ? value : [value]);
const withSkins = new Set((compact as Array<{ hexcode: string; skins?: unknown[] }>).filter((e) => e.skins?.length).map((e) => e.hexcode));
/** Slack's own names win over GitHub's when GitHub gives one of them to another emoji (`bride_with_veil`). */
const slackNames = new Set(Object.values(iamcalNames as Record<string, string | string[]>).flatMap(asList));
/** Every emoji Slack names, with all its names (Slack's and GitHub's aliases). */
const emoji = Object.entries(iamcalNames as Record<string, string | string[]>).map(([hexcode, names]) => ({
  hexcode,
  names: [
    ...new Set([...asList(names), ...asList((githubNames as Record<string, string | string[]>)[hexcode] ?? []).filter((n) => !slackNames.has(n))]),
  ],
}));
const anEmoji = fc.constantFrom(...emoji);
const aTone = fc.option(fc.integer({ min: 2, max: 6 }), { nil: undefined });
/** One emoji written two ways Slack accepts: any alias, with or without colons, any case. */
const twoSpellings = fc
  .tuple(anEmoji, aTone, fc.nat(), fc.nat(), fc.boolean(), fc.boolean())
  .map(([e, tone, i, j, colons, upper]) => {
    const suffix = tone === undefined ? '' : `::skin-tone-${tone}`;
    const first = `${e.names[i % e.names.length]}${suffix}`;
    const second = `${e.names[j % e.names.length]}${suffix}`;
    return { e, tone, first, second: (colons ? `:${second}:` : second)[upper ? 'toUpperCase' : 'toLowerCase']() };
  });

describe('reactionFromSlack / reactionFromTeams', () => {
  it('gives every alias of an emoji, with any skin tone, one key', () => {
    fc.assert(
      fc.property(twoSpellings, ({ first, second }) => {
        const a = reactionFromSlack(first);
        const b = reactionFromSlack(second);
        expect(a.kind).toBe('emoji');
        expect(b.key).toBe(a.key);
      }),
    );
  });

  it('carries a Slack reaction to Teams and back to the same key and to one canonical Slack name', () => {
    fc.assert(
      fc.property(twoSpellings, ({ first }) => {
        const fromSlack = reactionFromSlack(first);
        if (fromSlack.kind !== 'emoji') throw new Error(`${first} is not an emoji`);
        const fromTeams = reactionFromTeams(fromSlack.unicode);
        expect(fromTeams.key).toBe(fromSlack.key);
        if (fromTeams.kind !== 'emoji' || fromTeams.slackName === undefined) throw new Error(`${fromSlack.unicode} has no Slack name`);
        expect(reactionFromSlack(fromTeams.slackName).key).toBe(fromSlack.key);
      }),
    );
  });

  it('keeps a skin tone where the emoji has skins and drops it where it has none', () => {
    fc.assert(
      fc.property(anEmoji, fc.integer({ min: 2, max: 6 }), (e, tone) => {
        const plain = reactionFromSlack(e.names[0] as string);
        const toned = reactionFromSlack(`${e.names[0]}::skin-tone-${tone}`);
        if (withSkins.has(e.hexcode)) expect(toned.key).not.toBe(plain.key);
        else expect(toned.key).toBe(plain.key);
      }),
    );
  });

  it('matches the examples people use every day', () => {
    expect(reactionFromSlack('+1').key).toBe(reactionFromSlack('thumbsup').key);
    expect(reactionFromSlack('+1::skin-tone-2')).toMatchObject({ kind: 'emoji', unicode: '👍🏻', slackName: '+1::skin-tone-2' });
    expect(reactionFromSlack('thumbsup::skin-tone-2').key).toBe(reactionFromTeams('👍🏻').key);
    expect(reactionFromTeams('like').key).toBe(reactionFromSlack('+1').key);
    expect(reactionFromTeams('heart')).toMatchObject({ unicode: '❤️', slackName: 'heart' });
    expect(reactionFromTeams('❤').key).toBe(reactionFromTeams('❤️').key);
    expect(reactionFromSlack('tada::skin-tone-4').key).toBe(reactionFromSlack('tada').key);
    expect(reactionFromSlack('partyparrot')).toEqual({ kind: 'custom', key: 'slack:partyparrot', slackName: 'partyparrot' });
    expect(reactionFromTeams('yes')).toEqual({ kind: 'unknown', key: 'teams:yes', teamsType: 'yes' });
  });

  it("goes to Teams in the emoji's fully-qualified form, as a person's Teams client reacts: FE0F only where it belongs", () => {
    // emojibase writes 👍 as 1F44D FE0F; Unicode's emoji-test (and every emoji keyboard) as 1F44D. A Teams person's 👍
    // and Parley's 👍️ would be two reactions side by side (the chaos run's reader counted them apart).
    expect(reactionFromSlack('+1')).toMatchObject({ kind: 'emoji', unicode: '👍' });
    expect(reactionFromSlack('neutral_face')).toMatchObject({ unicode: '😐' });
    expect(reactionFromSlack('arrow_double_up')).toMatchObject({ unicode: '⏫' });
    expect(reactionFromSlack('heart')).toMatchObject({ unicode: '❤️' });
    expect(reactionFromSlack('relaxed')).toMatchObject({ unicode: '☺️' });
    expect(reactionFromTeams('👍️').key).toBe(reactionFromTeams('👍').key);
    expect(reactionFromTeams('⏫')).toMatchObject({ kind: 'emoji', slackName: 'arrow_double_up' });
  });
});

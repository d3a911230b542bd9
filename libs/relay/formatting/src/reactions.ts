// Reactions between Slack shortcodes and Teams reaction types (docs/adr/0032-reactions-mapping-and-custom-emoji.md).
import { canonicalUnicode, isShortcodeName, shortcodeToSingleEmoji, skinShortcode, unicodeToShortcode } from './emoji';

/**
 * A reaction as both platforms can name it. `key` is the same for every way of writing one emoji on either side
 * (`+1`, `thumbsup`, 👍 with or without FE0F, Teams' legacy `like`), so that an add and its remove always meet.
 */
export type Reaction =
  /** A unicode emoji: Teams takes `unicode` as its reactionType, Slack takes `slackName`. */
  | { readonly kind: 'emoji'; readonly key: string; readonly unicode: string; readonly slackName: string | undefined }
  /** A Slack workspace's own emoji (or a name emojibase does not know): Teams has nothing to show for it. */
  | { readonly kind: 'custom'; readonly key: string; readonly slackName: string }
  /** A Teams reaction type that is not an emoji Parley can name (a future legacy name, a custom Teams reaction). */
  | { readonly kind: 'unknown'; readonly key: string; readonly teamsType: string };

/** Teams' legacy reaction types (Graph: "like, angry, sad, laugh, heart, surprised") and the emoji Teams shows for them. */
const TEAMS_LEGACY: Readonly<Record<string, string>> = {
  like: '👍',
  heart: '❤️',
  laugh: '😆',
  surprised: '😮',
  sad: '😢',
  angry: '😡',
};

const MAX_REACTION_LENGTH = 100;

function emojiReaction(unicode: string): Reaction {
  const canonical = canonicalUnicode(unicode) ?? unicode;
  return { kind: 'emoji', key: `u:${canonical.replace(/\uFE0F/g, '')}`, unicode: canonical, slackName: skinShortcode(canonical) ?? unicodeToShortcode(canonical) };
}

/** A Slack reaction name as `reaction_added` / `reaction_removed` carry it (`+1`, `thumbsup::skin-tone-2`, `partyparrot`). */
export function reactionFromSlack(name: string): Reaction {
  const bare = name.replace(/^:|:$/g, '').toLowerCase().slice(0, MAX_REACTION_LENGTH);
  const unicode = shortcodeToSingleEmoji(bare);
  if (unicode !== undefined) return emojiReaction(unicode);
  const [base] = bare.split('::');
  const custom = base && isShortcodeName(base) ? base : bare;
  return { kind: 'custom', key: `slack:${custom}`, slackName: custom };
}

/** A Teams `reactionType` as a chat message's `reactions[]` carries it: a unicode emoji, or a legacy name. */
export function reactionFromTeams(reactionType: string): Reaction {
  const type = reactionType.trim().slice(0, MAX_REACTION_LENGTH);
  const legacy = TEAMS_LEGACY[type.toLowerCase()];
  if (legacy !== undefined) return emojiReaction(legacy);
  if (canonicalUnicode(type) !== undefined) return emojiReaction(type);
  return { kind: 'unknown', key: `teams:${type}`, teamsType: type };
}

/** How a reaction Teams cannot show is written in its delivery state and notes: `:partyparrot:`. */
export function describeReaction(reaction: Reaction): string {
  if (reaction.kind === 'emoji') return reaction.slackName ? `${reaction.unicode} (:${reaction.slackName}:)` : reaction.unicode;
  if (reaction.kind === 'custom') return `:${reaction.slackName}:`;
  return `"${reaction.teamsType}"`;
}

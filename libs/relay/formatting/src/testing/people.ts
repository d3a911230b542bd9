// Shared by this lib's tests: the demo organization's people as both directions' lookups see them.
import type { SlackToTeamsContext, TeamsMention, TeamsToSlackContext } from '../types';

export const ada = { slackUserId: 'U0ADA', teamsUserId: 'aad-ada', displayName: 'Ada Lovelace' };
export const frances = { slackUserId: 'U0FRA', teamsUserId: 'aad-frances', displayName: 'Frances Hopper' };
/** On Slack only: no Teams account, so a mention of her becomes text on Teams. */
export const grace = { slackUserId: 'U0GRA', displayName: 'Grace Brewster' };
/** On Teams only. */
export const mary = { teamsUserId: 'aad-mary', displayName: 'Mary Jackson' };

export const slackCtx: SlackToTeamsContext = {
  resolveSlackUser: (id) =>
    [ada, frances, grace].find((person) => person.slackUserId === id) as { displayName: string; teamsUserId?: string } | undefined,
  resolveSlackChannel: (id) => (id === 'C0GEN' ? 'general' : undefined),
};

export const teamsCtx: TeamsToSlackContext = {
  resolveTeamsUser: (id) =>
    [ada, frances, mary].find((person) => person.teamsUserId === id) as { displayName: string; slackUserId?: string } | undefined,
};

export function userMention(id: number, person: { teamsUserId: string; displayName: string }): TeamsMention {
  return { id, mentionText: person.displayName, mentioned: { user: { id: person.teamsUserId, displayName: person.displayName, userIdentityType: 'aadUser' } } };
}

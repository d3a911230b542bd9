// @parley/relay-formatting: message text between Slack mrkdwn and Teams HTML. Pure functions, no I/O, no framework.
export { slackToTeams } from './slack-to-teams';
export { teamsToSlack } from './teams-to-slack';
export { splitForSlack, splitForTeams, SLACK_TEXT_LIMIT, TEAMS_HTML_LIMIT_BYTES, type TeamsPart } from './split';
export { normalizeShortcode, shortcodeToUnicode, unicodeToShortcode } from './emoji';
export { escapeHtml, escapeSlack, isSafeUrl } from './escape';
export { describeReaction, reactionFromSlack, reactionFromTeams, type Reaction } from './reactions';
export type {
  SlackToTeamsContext,
  SlackToTeamsResult,
  SlackUserOnTeams,
  TeamsMention,
  TeamsToSlackContext,
  TeamsToSlackResult,
  TeamsUserOnSlack,
} from './types';

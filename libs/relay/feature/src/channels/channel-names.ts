/**
 * A channel's name made valid on the other platform, for "create the twin". Pure, so the rules are unit-tested.
 *
 * Slack: lower case letters, digits, hyphens and underscores, at most 80 characters (conversations.create answers
 * `invalid_name_specials` otherwise). Teams: at most 50 characters, none of ~ # % & * { } + / \ : < > ? | ' " and not
 * starting with an underscore or a period (Graph answers 400 otherwise).
 */
export function slackChannelName(teamsName: string): string {
  const name = teamsName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return name.length > 0 ? name : 'linked-channel';
}

export function teamsChannelName(slackName: string): string {
  const name = slackName
    .replace(/\p{Cc}/gu, ' ')
    .replace(/[~#%&*{}+/\\:<>?|'"]/g, ' ')
    .replace(/\s{2,}/g, ' ')
    .trim()
    .replace(/^[\s_.]+/, '')
    .slice(0, 50)
    .trim();
  return name.length > 0 ? name : 'Linked channel';
}

/** A Graph chatMessage mention, as sent and as read (`mentions[]` next to `<at id="n">` in the body). */
export interface TeamsMention {
  id: number;
  mentionText: string;
  mentioned: {
    user?: { id: string; displayName?: string | null; userIdentityType?: string | null } | null;
    conversation?: { id: string; displayName?: string | null } | null;
    tag?: { id: string; displayName?: string | null } | null;
    application?: { id: string; displayName?: string | null } | null;
  };
}

/** Who a Slack user is on Teams. `teamsUserId` is absent when they have no account there (then they become text). */
export interface SlackUserOnTeams {
  displayName: string;
  teamsUserId?: string;
}

/** Who a Teams user is on Slack. `slackUserId` is absent when they have no account there (then they become text). */
export interface TeamsUserOnSlack {
  displayName: string;
  slackUserId?: string;
}

export interface SlackToTeamsContext {
  /** The person behind `<@U…>`, resolved to their account on Teams; undefined when Parley does not know them. */
  resolveSlackUser(slackUserId: string): SlackUserOnTeams | undefined;
  /** A channel's name for `<#C…>` written without one; optional. */
  resolveSlackChannel?(slackChannelId: string): string | undefined;
  /** A user group's handle for `<!subteam^S…>` written without one; optional. */
  resolveSlackUsergroup?(usergroupId: string): string | undefined;
}

export interface TeamsToSlackContext {
  /** The person behind a Teams user id, resolved to their account on Slack; undefined when Parley does not know them. */
  resolveTeamsUser(teamsUserId: string): TeamsUserOnSlack | undefined;
}

export interface SlackToTeamsResult {
  /** Teams HTML for `body: { contentType: 'html', content: html }`. */
  html: string;
  /** One entry per `<at id>` in `html`, ready for the Graph request's `mentions`. */
  mentions: TeamsMention[];
  /** Slack user ids mentioned in the text that became plain text (no Teams account, or unknown to Parley). */
  unresolvedMentions: string[];
  /** Shortcodes (without colons) that are not standard emoji, e.g. custom workspace emoji; left as `:name:` text. */
  unknownEmoji: string[];
}

export interface TeamsToSlackResult {
  /** Slack mrkdwn for chat.postMessage's `text`. */
  text: string;
  /** Teams user ids (or the mention text, for mentions Graph did not describe) that became plain text. */
  unresolvedMentions: string[];
  /** Ids of `<attachment id>` elements in the body: files, cards and quoted replies, left for the caller to carry. */
  attachments: string[];
}

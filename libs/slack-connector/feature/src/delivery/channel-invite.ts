import { SlackApiError, TOKEN_REFUSED_CODES, type SlackWebApi } from '@parley/slack-connector-slack-access';

/** Slack refused to add the person to the channel (a guest limited to other channels, an archived channel...). */
export class InviteRefused extends Error {
  constructor(readonly code: string) {
    super(`the app could not add the person to the channel (${code})`);
    this.name = 'InviteRefused';
  }
}

/**
 * Adds a person to a linked channel before Parley speaks there as them: a person's token posts and reacts only where
 * the person is a member (`not_in_channel`), and the app, a member of every linked channel, can invite them
 * (conversations.invite with the bot token). Someone already in it is fine. A refusal is InviteRefused; a 429, a
 * refused bot token or an unreachable Slack is thrown as it is, for the caller's own handling.
 */
export async function inviteIntoChannel(bot: SlackWebApi, channelId: string, slackUserId: string): Promise<void> {
  try {
    await bot.call('conversations.invite', { channel: channelId, users: slackUserId });
  } catch (error) {
    if (error instanceof SlackApiError && error.code === 'already_in_channel') return;
    if (error instanceof SlackApiError && !TOKEN_REFUSED_CODES.has(error.code)) throw new InviteRefused(error.code);
    throw error;
  }
}


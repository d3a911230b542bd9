import { Inject, Injectable } from '@nestjs/common';
import type { WebAPICallResult } from '@slack/web-api';
import type { SlackChannelView } from '@parley/internal-api';
import type { Logger } from '@parley/observability';
import { LOGGER } from '@parley/service-runtime';
import { SlackApiError, TOKEN_REFUSED_CODES } from '@parley/slack-connector-slack-access';
import { SlackClients } from '../connections/slack-clients';
import { SlackConnections, type SlackConnection } from '../connections/slack-connections';

/** A conversation as conversations.info / .create / .join answer it (the fields Parley reads). */
interface SlackConversation {
  readonly id?: string;
  readonly name?: string;
  readonly is_im?: boolean;
  readonly is_mpim?: boolean;
  readonly is_private?: boolean;
  readonly is_archived?: boolean;
  readonly is_member?: boolean;
}

/** Slack has no such channel, or not one the app can see (a private channel it is not in looks the same). */
export class ChannelNotFoundError extends Error {
  constructor(
    readonly channelId: string,
    readonly reason: string,
  ) {
    super(`Slack has no channel ${channelId} that the Parley app can see (${reason})`);
    this.name = 'ChannelNotFoundError';
  }
}

/** Slack refused the name of a channel to create: taken (`name_taken`) or not a valid channel name (`invalid_name_*`). */
export class ChannelNameRefusedError extends Error {
  constructor(
    readonly channelName: string,
    readonly reason: string,
  ) {
    super(
      reason === 'name_taken'
        ? `a Slack channel named #${channelName} exists already (name_taken)`
        : `#${channelName} is not a valid Slack channel name (${reason}): lower case letters, digits, - and _, at most 80`,
    );
    this.name = 'ChannelNameRefusedError';
  }

  get taken(): boolean {
    return this.reason === 'name_taken';
  }
}

/** What joining a linked channel came to. */
export type JoinOutcome = 'joined' | 'already-member' | { refused: string };

/**
 * Slack channels as the Parley app (its bot token) sees them, for Channel Sync: describe one an admin wants to link,
 * create the twin of a Teams channel, join a linked public one. Linking is an admin's act, so the tokens are read from
 * identity for it, as for other admin commands (ADR 0011).
 */
@Injectable()
export class SlackChannels {
  constructor(
    private readonly connections: SlackConnections,
    private readonly clients: SlackClients,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async describe(orgId: string, connectionId: string, channelId: string): Promise<SlackChannelView> {
    const connection = await this.connections.withTokens(orgId, connectionId);
    const answer = await this.call(connection, () =>
      this.clients.webApiFor(connection).call<WebAPICallResult & { channel?: SlackConversation }>('conversations.info', { channel: channelId }),
    ).catch((error: unknown) => {
      if (error instanceof SlackApiError && error.code === 'channel_not_found') throw new ChannelNotFoundError(channelId, error.code);
      throw error;
    });
    const channel = answer.channel;
    if (!channel?.id) throw new Error('conversations.info answered without a channel');
    // A DM or group DM is a conversation, not a channel an admin can link.
    if (channel.is_im || channel.is_mpim) throw new ChannelNotFoundError(channelId, channel.is_im ? 'a DM, not a channel' : 'a group DM, not a channel');
    return viewOf(channel);
  }

  /** conversations.create by the bot, which makes the app the channel's first member. */
  async create(orgId: string, connectionId: string, request: { name: string; private: boolean }): Promise<SlackChannelView> {
    const connection = await this.connections.withTokens(orgId, connectionId);
    const answer = await this.call(connection, () =>
      this.clients.webApiFor(connection).call<WebAPICallResult & { channel?: SlackConversation }>('conversations.create', { name: request.name, is_private: request.private }),
    ).catch((error: unknown) => {
      if (error instanceof SlackApiError && (error.code === 'name_taken' || error.code.startsWith('invalid_name'))) throw new ChannelNameRefusedError(request.name, error.code);
      throw error;
    });
    if (!answer.channel?.id) throw new Error('conversations.create answered without a channel');
    this.logger.info({ orgId, connectionId, channel: answer.channel.id, private: request.private }, 'Slack channel created for a channel link');
    return viewOf({ ...answer.channel, is_member: true });
  }

  /**
   * Makes the bot a member of a linked public channel (conversations.join), so it hears the channel's events and can
   * invite the people Parley posts as. A refusal (archived, gone, private, a missing scope) is answered, not thrown:
   * no retry can fix it; anything transient is thrown for the bus to retry.
   */
  async join(connection: SlackConnection, channelId: string): Promise<JoinOutcome> {
    try {
      const answer = await this.call(connection, () => this.clients.webApiFor(connection).call<WebAPICallResult & { warning?: string }>('conversations.join', { channel: channelId }));
      return answer.warning === 'already_in_channel' ? 'already-member' : 'joined';
    } catch (error) {
      if (error instanceof SlackApiError) return { refused: error.code };
      throw error;
    }
  }

  /** A bot token Slack refuses is dropped, so the next call reads the connection's tokens again. */
  private async call<T>(connection: SlackConnection, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof SlackApiError && TOKEN_REFUSED_CODES.has(error.code)) this.connections.forget(connection.orgId, connection.id);
      throw error;
    }
  }
}

function viewOf(channel: SlackConversation): SlackChannelView {
  return {
    id: channel.id as string,
    name: channel.name ?? '',
    private: channel.is_private === true,
    archived: channel.is_archived === true,
    appIsMember: channel.is_member === true,
  };
}

import { Controller, UseGuards } from '@nestjs/common';
import { CHANNEL_NAME_TAKEN_PROBLEM, internalRoutes, type RouteBody as Body, type RouteParams as Params, type RouteResult } from '@parley/internal-api';
import { InternalAuthGuard, InternalRoute, INVALID_REQUEST_PROBLEM, ProblemException, RouteBody, RouteParams } from '@parley/service-runtime';
import { describeForAdmin, isAdminFixable, SlackApiError, SlackUnavailableError } from '@parley/slack-connector-slack-access';
import { ConnectionNotFoundError, NotASlackConnectionError } from '../connections/slack-connections';
import { ChannelNameRefusedError, ChannelNotFoundError, SlackChannels } from './slack-channels';

const routes = internalRoutes['slack-connector'];
const PLATFORM_UNAVAILABLE_PROBLEM = 'https://parley.dev/problems/platform-unavailable';

/**
 * relay -> slack-connector, while an admin links channels (Channel Sync): a Slack channel as the app sees it, and
 * "create the twin". Slack's refusals become problems whose detail carries Slack's own reason.
 */
@Controller()
@UseGuards(InternalAuthGuard)
export class ChannelsController {
  constructor(private readonly channels: SlackChannels) {}

  @InternalRoute(routes.channel)
  async channel(@RouteParams(routes.channel) { orgId, connectionId, channelId }: Params<typeof routes.channel>): Promise<RouteResult<typeof routes.channel>> {
    try {
      return await this.channels.describe(orgId, connectionId, channelId);
    } catch (error) {
      throw asProblem(error);
    }
  }

  @InternalRoute(routes.createChannel)
  async createChannel(
    @RouteParams(routes.createChannel) { orgId, connectionId }: Params<typeof routes.createChannel>,
    @RouteBody(routes.createChannel) body: Body<typeof routes.createChannel>,
  ): Promise<RouteResult<typeof routes.createChannel>> {
    try {
      return await this.channels.create(orgId, connectionId, body);
    } catch (error) {
      throw asProblem(error);
    }
  }
}

/** Slack's answer (or ours) as the problem relay gets: the status says what to do, the detail carries Slack's reason. */
export function asProblem(error: unknown): unknown {
  if (error instanceof ChannelNotFoundError) return new ProblemException(404, `${error.message}.`);
  if (error instanceof ChannelNameRefusedError) {
    return error.taken
      ? new ProblemException(409, `${error.message}: choose another name.`, CHANNEL_NAME_TAKEN_PROBLEM)
      : new ProblemException(422, `${error.message}.`, INVALID_REQUEST_PROBLEM, [{ field: 'name', message: error.reason }]);
  }
  if (error instanceof ConnectionNotFoundError || error instanceof NotASlackConnectionError) return new ProblemException(404, `${error.message}.`);
  // The app's token or scopes: an admin must reinstall or reconnect before this can work.
  if (isAdminFixable(error)) return new ProblemException(403, `${describeForAdmin(error)}.`);
  if (error instanceof SlackUnavailableError) return new ProblemException(503, `Slack could not answer right now (${error.message}); try again.`, PLATFORM_UNAVAILABLE_PROBLEM);
  if (error instanceof SlackApiError) return new ProblemException(502, `Slack refused ${error.method}: ${error.code}.`);
  return error;
}

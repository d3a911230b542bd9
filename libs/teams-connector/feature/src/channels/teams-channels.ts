import { Inject, Injectable } from '@nestjs/common';
import { CHANNEL_NAME_TAKEN_PROBLEM, type TeamsChannelView } from '@parley/internal-api';
import { ProblemException } from '@parley/service-runtime';
import { GraphRequestError, type GraphAccess } from '@parley/teams-connector-graph-access';
import { refusalReason } from '../failures';
import { GRAPH_ACCESS } from '../graph.providers';

/** A channel as Graph answers it (the fields Parley reads). */
interface GraphChannel {
  readonly id: string;
  readonly displayName: string;
  readonly membershipType?: 'standard' | 'private' | 'shared' | null;
}

/** `/teams/{t}/channels[/{c}]` with each id encoded: channel ids hold ':' and '@'. */
export const channelPath = (teamId: string, channelId?: string): string =>
  `/teams/${encodeURIComponent(teamId)}/channels${channelId === undefined ? '' : `/${encodeURIComponent(channelId)}`}`;

const view = (teamId: string, channel: GraphChannel): TeamsChannelView => ({
  teamId,
  id: channel.id,
  displayName: channel.displayName,
  // Graph leaves membershipType null on some answers (a channel in migration mode); such a channel is a standard one.
  membershipType: channel.membershipType ?? 'standard',
});

/**
 * The relay links channels (Channel Sync): it asks what a Teams channel is, read with the app's token (it sees every
 * channel, private ones included), and for "create the twin" has one made by the team owner Parley signs in as. Graph
 * creates channels with a delegated or an application token; the owner's is used because a private channel made by
 * the app needs an owner named in the request, while the owner making it becomes its owner, and so one who can let
 * the guests Parley provisions in.
 */
@Injectable()
export class TeamsChannels {
  constructor(@Inject(GRAPH_ACCESS) private readonly graph: GraphAccess) {}

  async describe(orgId: string, connectionId: string, teamId: string, channelId: string): Promise<TeamsChannelView> {
    const doing = `reading channel ${channelId} of team ${teamId}`;
    try {
      const connection = await this.graph.forConnection(orgId, connectionId);
      return view(teamId, await connection.app('customer').get<GraphChannel>(channelPath(teamId, channelId)));
    } catch (error) {
      throw problemOf(error, doing);
    }
  }

  async create(orgId: string, connectionId: string, teamId: string, request: { displayName: string; private: boolean }): Promise<TeamsChannelView> {
    const doing = `creating channel '${request.displayName}' in team ${teamId}`;
    try {
      const connection = await this.graph.forConnection(orgId, connectionId);
      // One attempt only: a create whose answer was lost must not be sent again blindly (a retry would meet the
      // channel it made as a taken name); the relay's request fails and the admin's retry finds it.
      const created = await connection
        .teamOwner({ maxAttempts: 1 })
        .post<GraphChannel>(channelPath(teamId), { displayName: request.displayName, membershipType: request.private ? 'private' : 'standard' });
      return view(teamId, created);
    } catch (error) {
      throw problemOf(error, doing);
    }
  }
}

/**
 * What the relay is answered: 404 for a team or channel Graph does not know, 409 for a taken name, 422 for any other
 * refusal an admin must act on (a permission, a bad name, a team owner Parley cannot sign in as), with the platform's
 * reason in the detail; 503 when Graph or identity did not answer (the relay may retry).
 */
export function problemOf(error: unknown, doing: string): ProblemException {
  if (error instanceof ProblemException) return error;
  if (error instanceof GraphRequestError && error.status === 404) return new ProblemException(404, `${doing}: Microsoft Teams has no such team or channel (${error.graphMessage}).`);
  if (error instanceof GraphRequestError && error.status === 400 && error.code === 'NameAlreadyExists') {
    return new ProblemException(409, `${doing}: the team has a channel of that name already (${error.graphMessage}).`, CHANNEL_NAME_TAKEN_PROBLEM);
  }
  const reason = refusalReason(error, doing);
  if (reason !== null) return new ProblemException(422, reason);
  return new ProblemException(503, `${doing}: Microsoft Graph or identity did not answer; try again.`);
}

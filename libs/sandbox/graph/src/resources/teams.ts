import { z } from 'zod';
import { PERMISSIONS, authorize } from '../auth/permissions';
import { type Call, type GraphRouter, objectBody } from '../http/call';
import { json } from '../http/exchange';
import { GraphError, badRequest, forbidden, notFound } from '../http/graph-error';
import type { Channel, MessageContainer, Team } from '../state/model';
import { boundUserId } from './message-input';
import { registerMessageRoutes } from './message-routes';

const memberSchema = z
  .object({ '@odata.type': z.literal('#microsoft.graph.aadUserConversationMember'), roles: z.array(z.string()), 'user@odata.bind': z.string() })
  .passthrough();

function teamRecord(team: Team): Record<string, unknown> {
  return { id: team.id, displayName: team.displayName, description: team.description, internalId: team.internalId, createdDateTime: team.createdDateTime, isArchived: false, visibility: 'private', tenantId: team.tenantId };
}

function channelRecord(channel: Channel): Record<string, unknown> {
  return {
    id: channel.id,
    displayName: channel.displayName,
    description: channel.description,
    membershipType: channel.membershipType,
    createdDateTime: channel.createdDateTime,
    tenantId: channel.tenantId,
    email: '',
    webUrl: `https://teams.microsoft.com/l/channel/${encodeURIComponent(channel.id)}/${encodeURIComponent(channel.displayName)}?groupId=${channel.teamId}&tenantId=${channel.tenantId}`,
  };
}

function teamScope(call: Call, teamId: string, channelId?: string): void {
  const key = `${call.principal.tenantId}:${call.principal.clientId}`;
  call.sandbox.throttle.take('perTeamOrChannel', `${key}:${channelId ?? teamId}`);
}

function accessibleTeam(call: Call, teamId: string): Team {
  const team = call.sandbox.store.teams.get(teamId);
  if (!team || team.tenantId !== call.principal.tenantId) throw notFound(`No team found with Group Id ${teamId}`);
  if (call.principal.kind === 'delegated' && !team.members.has(call.principal.userId ?? '')) throw forbidden('Forbidden: the signed-in user is not a member of this team.');
  return team;
}

function accessibleChannel(call: Call, teamId: string, channelId: string): { team: Team; channel: Channel } {
  const team = accessibleTeam(call, teamId);
  const channel = call.sandbox.store.channels.get(channelId);
  if (!channel || channel.teamId !== team.id) throw notFound(`Channel ${channelId} not found in team ${teamId}.`);
  return { team, channel };
}

function memberRecord(call: Call, team: Team, userId: string): Record<string, unknown> {
  const user = call.sandbox.store.users.get(userId);
  return {
    '@odata.type': '#microsoft.graph.aadUserConversationMember',
    id: Buffer.from(`${team.id}##${userId}`).toString('base64'),
    roles: team.members.get(userId) ?? [],
    displayName: user?.displayName ?? null,
    userId,
    email: user?.mail ?? null,
    tenantId: user?.tenantId ?? null,
  };
}

function teamsGet(call: Call): void {
  call.sandbox.throttle.take('teamsGet', `${call.principal.tenantId}:${call.principal.clientId}`);
}

export function registerTeams(router: GraphRouter): void {
  router.add('GET', '/teams/{teamId}', (_request, params, call) => {
    authorize(call.principal, PERMISSIONS.readTeams);
    teamsGet(call);
    teamScope(call, params['teamId'] as string);
    return json(200, teamRecord(accessibleTeam(call, params['teamId'] as string)));
  });
  const joined = (call: Call, userId: string) => {
    const teams = [...call.sandbox.store.teams.values()].filter((t) => t.tenantId === call.principal.tenantId && t.members.has(userId));
    return json(200, { value: teams.map(teamRecord) });
  };
  router.add('GET', '/me/joinedTeams', (_request, _params, call) => {
    if (!call.principal.userId) throw badRequest('/me request is only valid with delegated authentication flow.');
    authorize(call.principal, PERMISSIONS.readTeams);
    teamsGet(call);
    return joined(call, call.principal.userId);
  });
  router.add('GET', '/users/{userId}/joinedTeams', (_request, params, call) => {
    authorize(call.principal, PERMISSIONS.readTeams);
    teamsGet(call);
    const user = call.sandbox.store.findUser(call.principal.tenantId, params['userId'] as string);
    if (!user) throw notFound();
    return joined(call, user.id);
  });
  router.add('GET', '/teams/{teamId}/channels', (_request, params, call) => {
    authorize(call.principal, PERMISSIONS.readChannels);
    teamsGet(call);
    teamScope(call, params['teamId'] as string);
    const team = accessibleTeam(call, params['teamId'] as string);
    return json(200, { value: team.channelIds.map((id) => channelRecord(call.sandbox.store.channels.get(id) as Channel)) });
  });
  router.add('GET', '/teams/{teamId}/channels/{channelId}', (_request, params, call) => {
    authorize(call.principal, PERMISSIONS.readChannels);
    teamsGet(call);
    teamScope(call, params['teamId'] as string, params['channelId']);
    return json(200, channelRecord(accessibleChannel(call, params['teamId'] as string, params['channelId'] as string).channel));
  });
  router.add('GET', '/teams/{teamId}/members', (_request, params, call) => {
    authorize(call.principal, PERMISSIONS.readTeamMembers);
    teamsGet(call);
    teamScope(call, params['teamId'] as string);
    const team = accessibleTeam(call, params['teamId'] as string);
    return json(200, { value: [...team.members.keys()].map((id) => memberRecord(call, team, id)) });
  });
  router.add('POST', '/teams/{teamId}/members', (request, params, call) => {
    authorize(call.principal, PERMISSIONS.addTeamMember);
    teamScope(call, params['teamId'] as string);
    const team = accessibleTeam(call, params['teamId'] as string);
    const parsed = memberSchema.safeParse(objectBody(request.body));
    if (!parsed.success) throw badRequest(`Invalid value for property '${parsed.error.issues[0]?.path.join('.') ?? ''}' of resource 'conversationMember'.`);
    const bound = boundUserId(parsed.data['user@odata.bind']);
    const user = call.sandbox.store.findUser(call.principal.tenantId, bound);
    if (!user) throw notFound(`User ${bound} not found.`);
    if (user.userType === 'Guest') {
      // Documented: guests cannot be added with application permissions, nor by UPN.
      if (call.principal.kind === 'application') throw new GraphError(403, 'Forbidden', 'Adding guest users to a team is not supported with application permissions. Use delegated permissions.');
      if (bound.includes('@')) throw badRequest('Guest users must be added by their user object id, not by userPrincipalName.');
      if (!parsed.data.roles.includes('guest')) throw badRequest("Guest users must be added with roles ['guest'].");
    } else if (parsed.data.roles.includes('guest')) {
      throw badRequest("The 'guest' role is only valid for guest users.");
    }
    if (call.principal.kind === 'delegated' && !(team.members.get(call.principal.userId ?? '') ?? []).includes('owner')) {
      throw forbidden('Only team owners can add members.');
    }
    team.members.set(user.id, parsed.data.roles);
    return json(201, { '@odata.context': `${call.sandbox.baseUrl()}/v1.0/$metadata#teams('${team.id}')/members/$entity`, ...memberRecord(call, team, user.id) });
  });

  registerMessageRoutes(router, {
    prefix: '/teams/{teamId}/channels/{channelId}',
    replies: true,
    permissions: { read: PERMISSIONS.readChannelMessages, send: PERMISSIONS.sendChannelMessage, write: PERMISSIONS.writeChannelMessage, react: PERMISSIONS.reactChannelMessage },
    resolve: (_request, params, call, write): MessageContainer => {
      if (!write) teamsGet(call);
      const { team, channel } = accessibleChannel(call, params['teamId'] as string, params['channelId'] as string);
      if (!write) teamScope(call, team.id, channel.id);
      return { kind: 'channel', teamId: team.id, channelId: channel.id };
    },
    throttleSend: (call, container) => {
      call.sandbox.throttle.take('channelMessagePost', `${call.principal.tenantId}:${call.principal.clientId}`);
      if (container.kind === 'channel') {
        teamScope(call, container.teamId, container.channelId);
        call.sandbox.throttle.take('channelMessagesPerDay', `${call.principal.tenantId}:${call.principal.clientId}:${container.channelId}`);
      }
    },
  });
}

import { z } from 'zod';
import { PERMISSIONS, authorize } from '../auth/permissions';
import { type Call, type GraphRouter, objectBody } from '../http/call';
import { json } from '../http/exchange';
import { GraphError, badRequest, forbidden, notFound } from '../http/graph-error';
import type { Channel, MessageContainer, Team, User } from '../state/model';
import { boundUserId } from './message-input';
import { registerMessageRoutes } from './message-routes';

const memberSchema = z
  .object({ '@odata.type': z.literal('#microsoft.graph.aadUserConversationMember'), roles: z.array(z.string()), 'user@odata.bind': z.string() })
  .passthrough();

/** `conversationMember: add` takes the type with or without the leading '#' (the documented example has none). */
const bulkMemberSchema = z
  .object({
    '@odata.type': z.enum(['#microsoft.graph.aadUserConversationMember', 'microsoft.graph.aadUserConversationMember']),
    roles: z.array(z.string()).default([]),
    'user@odata.bind': z.string(),
  })
  .passthrough();

/** Documented: "A maximum of 200 conversationMember derivatives can be added in one single request." */
export const MAX_MEMBERS_PER_ADD = 200;

const bulkAddSchema = z.object({ values: z.array(z.unknown()) }).passthrough();

/** Roles a team member can hold: none (a member), owner, or guest. */
const TEAM_ROLES = new Set(['owner', 'guest']);

function teamRecord(team: Team): Record<string, unknown> {
  return { id: team.id, displayName: team.displayName, description: team.description, internalId: team.internalId, createdDateTime: team.createdDateTime, isArchived: false, visibility: 'private', tenantId: team.tenantId };
}

export function channelRecord(channel: Channel): Record<string, unknown> {
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

export function teamScope(call: Call, teamId: string, channelId?: string): void {
  const key = `${call.principal.tenantId}:${call.principal.clientId}`;
  call.sandbox.throttle.take('perTeamOrChannel', `${key}:${channelId ?? teamId}`);
}

export function accessibleTeam(call: Call, teamId: string): Team {
  const team = call.sandbox.store.teams.get(teamId);
  if (!team || team.tenantId !== call.principal.tenantId) throw notFound(`No team found with Group Id ${teamId}`);
  if (call.principal.kind === 'delegated' && !team.members.has(call.principal.userId ?? '')) throw forbidden('Forbidden: the signed-in user is not a member of this team.');
  return team;
}

/** Whether a delegated caller sees the channel: a standard channel is every team member's, a private one its members' alone. */
export function seesChannel(call: Call, channel: Channel): boolean {
  return call.principal.kind !== 'delegated' || !channel.members || Object.prototype.hasOwnProperty.call(channel.members, call.principal.userId ?? '');
}

export function accessibleChannel(call: Call, teamId: string, channelId: string): { team: Team; channel: Channel } {
  const team = accessibleTeam(call, teamId);
  const channel = call.sandbox.store.channels.get(channelId);
  if (!channel || channel.teamId !== team.id) throw notFound(`Channel ${channelId} not found in team ${teamId}.`);
  // (unverified) Graph's exact answer to a team member outside a private channel; the rule (members only) is documented.
  if (!seesChannel(call, channel)) throw forbidden('Forbidden: the signed-in user is not a member of this private channel.');
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

/** The documented single-add rules for one member: why it may not be added with these roles, or null. */
export function memberRefusal(call: Call, user: User, bound: string, roles: readonly string[]): GraphError | null {
  const unknown = roles.find((role) => !TEAM_ROLES.has(role.toLowerCase()));
  if (unknown !== undefined) return badRequest(`Invalid role '${unknown}': a team member's roles are [], ['owner'] or ['guest'].`);
  const lower = roles.map((r) => r.toLowerCase());
  if (user.userType === 'Guest') {
    // Documented: guests cannot be added with application permissions, nor by UPN.
    if (call.principal.kind === 'application') return new GraphError(403, 'Forbidden', 'Adding guest users to a team is not supported with application permissions. Use delegated permissions.');
    if (bound.includes('@')) return badRequest('Guest users must be added by their user object id, not by userPrincipalName.');
    if (!lower.includes('guest')) return badRequest("Guest users must be added with roles ['guest'].");
  } else if (lower.includes('guest')) {
    return badRequest("The 'guest' role is only valid for guest users.");
  }
  return null;
}

/** With a delegated token, only an owner of the team adds members. */
function requireOwner(call: Call, team: Team): void {
  if (call.principal.kind === 'delegated' && !(team.members.get(call.principal.userId ?? '') ?? []).includes('owner')) {
    throw forbidden('Only team owners can add members.');
  }
}

function memberResult(userId: string, error: GraphError | null): { '@odata.type': string; userId: string; error: { code: string; message: string } | null } {
  return { '@odata.type': '#microsoft.graph.aadUserConversationMemberResult', userId, error: error ? { code: error.code, message: error.message } : null };
}

export function teamsGet(call: Call): void {
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
    // A delegated caller is shown only the private channels they are a member of.
    const channels = team.channelIds.map((id) => call.sandbox.store.channels.get(id) as Channel).filter((channel) => seesChannel(call, channel));
    return json(200, { value: channels.map(channelRecord) });
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
    const refusal = memberRefusal(call, user, bound, parsed.data.roles);
    if (refusal) throw refusal;
    requireOwner(call, team);
    team.members.set(user.id, parsed.data.roles);
    return json(201, { '@odata.context': `${call.sandbox.baseUrl()}/v1.0/$metadata#teams('${team.id}')/members/$entity`, ...memberRecord(call, team, user.id) });
  });

  // conversationMember: add (bulk). One request against the per-team limit whatever the number of values; each value
  // is checked by the single-add rules and answered on its own, so one bad value does not fail the others.
  router.add('POST', '/teams/{teamId}/members/add', (request, params, call) => {
    authorize(call.principal, PERMISSIONS.addTeamMember);
    teamScope(call, params['teamId'] as string);
    const team = accessibleTeam(call, params['teamId'] as string);
    const body = bulkAddSchema.safeParse(objectBody(request.body));
    if (!body.success) throw badRequest("The request body must contain the parameter 'values': a collection of conversationMember.");
    const values = body.data.values;
    if (values.length === 0) throw badRequest("The parameter 'values' must contain at least one conversationMember.");
    if (values.length > MAX_MEMBERS_PER_ADD) throw badRequest(`A maximum of ${MAX_MEMBERS_PER_ADD} conversationMember derivatives can be added in one single request; got ${values.length}.`);
    const members = values.map((value, index) => {
      const parsed = bulkMemberSchema.safeParse(value);
      if (!parsed.success) throw badRequest(`Invalid value for property 'values[${index}].${parsed.error.issues[0]?.path.join('.') ?? ''}' of resource 'conversationMember'.`);
      return { roles: parsed.data.roles, bound: boundUserId(parsed.data['user@odata.bind']) };
    });
    requireOwner(call, team);
    const results = members.map(({ roles, bound }) => {
      const user = call.sandbox.store.findUser(call.principal.tenantId, bound);
      if (!user) return memberResult(bound, new GraphError(404, 'NotFound', `User ${bound} not found.`));
      const refusal = memberRefusal(call, user, bound, roles);
      if (refusal) return memberResult(user.id, refusal);
      // Already in the team: nothing to do, and not an error.
      if (!team.members.has(user.id)) team.members.set(user.id, roles);
      return memberResult(user.id, null);
    });
    // Documented: 200 when every member was added, 207 when only some were.
    const status = results.some((r) => r.error !== null) ? 207 : 200;
    return json(status, { '@odata.context': `${call.sandbox.baseUrl()}/v1.0/$metadata#Collection(microsoft.graph.aadUserConversationMemberResult)`, value: results });
  });

  registerMessageRoutes(router, {
    prefix: '/teams/{teamId}/channels/{channelId}',
    deletePrefix: '/teams/{teamId}/channels/{channelId}',
    replies: true,
    permissions: {
      read: PERMISSIONS.readChannelMessages,
      send: PERMISSIONS.sendChannelMessage,
      write: PERMISSIONS.writeChannelMessage,
      react: PERMISSIONS.reactChannelMessage,
      policyViolation: PERMISSIONS.channelMessagePolicyViolation,
    },
    resolve: (_request, params, call, write): MessageContainer => {
      if (!write) teamsGet(call);
      const { team, channel } = accessibleChannel(call, params['teamId'] as string, params['channelId'] as string);
      if (!write) teamScope(call, team.id, channel.id);
      return { kind: 'channel', teamId: team.id, channelId: channel.id };
    },
    sendLimits: (call, container) => {
      const app = `${call.principal.tenantId}:${call.principal.clientId}`;
      if (container.kind !== 'channel') return [['channelMessagePost', app]];
      return [
        ['channelMessagePost', app],
        ['perTeamOrChannel', `${app}:${container.channelId}`],
        // 4 per second per app on the team as a whole, whichever of its channels the messages go to.
        ['perTeamOrChannel', `${app}:${container.teamId}`],
        ['channelMessagesPerDay', `${app}:${container.channelId}`],
      ];
    },
  });
}

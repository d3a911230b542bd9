import { z } from 'zod';
import { PERMISSIONS, authorize } from '../auth/permissions';
import { type Call, type GraphRouter, objectBody } from '../http/call';
import { json } from '../http/exchange';
import { GraphError, badRequest, forbidden, notFound } from '../http/graph-error';
import { channelThreadId } from '../state/ids';
import type { Channel, Team } from '../state/model';
import { boundUserId } from './message-input';
import { accessibleChannel, accessibleTeam, channelRecord, memberRefusal, teamScope, teamsGet } from './teams';

/** Documented: a channel's displayName is at most 50 characters. */
export const MAX_CHANNEL_NAME = 50;
/** Documented (New-TeamChannel): a channel name cannot contain # % & * { } / \ : < > ? + | ' " */
const FORBIDDEN_NAME_CHARACTERS = /[#%&*{}/\\:<>?+|'"]/;
/** Documented: at most 200 members in the body of a private channel's creation. */
export const MAX_PRIVATE_CHANNEL_MEMBERS = 200;

const memberSchema = z
  .object({
    '@odata.type': z.enum(['#microsoft.graph.aadUserConversationMember', 'microsoft.graph.aadUserConversationMember']),
    roles: z.array(z.string()).default([]),
    'user@odata.bind': z.string(),
  })
  .passthrough();

const createSchema = z
  .object({
    displayName: z.string(),
    description: z.string().max(1024).nullable().optional(),
    membershipType: z.enum(['standard', 'private', 'shared']).optional(),
    members: z.array(z.unknown()).optional(),
  })
  .passthrough();

/** Why a display name is refused, or null. Graph compares names without regard to case within one team. */
function nameRefusal(call: Call, team: Team, displayName: string): GraphError | null {
  const name = displayName.trim();
  if (name.length === 0) return badRequest("The 'displayName' property is required and cannot be empty.");
  if (name.length > MAX_CHANNEL_NAME) return badRequest(`Channel name must be ${MAX_CHANNEL_NAME} characters or less.`);
  // (unverified) Graph's wording; the character rule is the one the Teams PowerShell module documents.
  if (FORBIDDEN_NAME_CHARACTERS.test(name)) return badRequest(`Channel name contains invalid characters: it cannot contain # % & * { } / \\ : < > ? + | ' ".`);
  const taken = team.channelIds.some((id) => call.sandbox.store.channels.get(id)?.displayName.toLowerCase() === name.toLowerCase());
  // (unverified) The exact message; the code NameAlreadyExists with 400 is what Graph answers for a taken name.
  if (taken) return new GraphError(400, 'NameAlreadyExists', 'Channel name already existed, please use other name.');
  return null;
}

function channelMemberRecord(call: Call, channel: Channel, userId: string, roles: readonly string[]): Record<string, unknown> {
  const user = call.sandbox.store.users.get(userId);
  return {
    '@odata.type': '#microsoft.graph.aadUserConversationMember',
    id: Buffer.from(`${channel.id}##${userId}`).toString('base64'),
    roles: [...roles],
    displayName: user?.displayName ?? null,
    userId,
    email: user?.mail ?? null,
    tenantId: user?.tenantId ?? null,
  };
}

/**
 * Who a private channel starts with. Documented: with application permissions the body must name a member with the
 * owner role; with delegated permissions the caller (a team member) becomes the owner. Every member must already be
 * in the team, and a guest cannot own a channel.
 */
function privateMembers(call: Call, team: Team, rawMembers: readonly unknown[]): Record<string, string[]> {
  if (rawMembers.length > MAX_PRIVATE_CHANNEL_MEMBERS) throw badRequest(`A private channel can be created with at most ${MAX_PRIVATE_CHANNEL_MEMBERS} members; got ${rawMembers.length}.`);
  const members: Record<string, string[]> = {};
  rawMembers.forEach((raw, index) => {
    const parsed = memberSchema.safeParse(raw);
    if (!parsed.success) throw badRequest(`Invalid value for property 'members[${index}].${parsed.error.issues[0]?.path.join('.') ?? ''}' of resource 'channel'.`);
    const bound = boundUserId(parsed.data['user@odata.bind']);
    const user = call.sandbox.store.findUser(call.principal.tenantId, bound);
    if (!user) throw notFound(`User ${bound} not found.`);
    const roles = parsed.data.roles.map((role) => role.toLowerCase());
    if (roles.some((role) => role !== 'owner' && role !== 'guest')) throw badRequest(`Invalid role in members[${index}]: a channel member's roles are [], ['owner'] or ['guest'].`);
    if (!team.members.has(user.id)) throw badRequest(`User ${user.id} must be a member of the team before being added to one of its private channels.`);
    if (user.userType === 'Guest' && roles.includes('owner')) throw badRequest('A guest cannot be an owner of a channel.');
    members[user.id] = roles;
  });
  if (call.principal.kind === 'delegated') {
    members[call.principal.userId ?? ''] = ['owner'];
  } else if (!Object.values(members).some((roles) => roles.includes('owner'))) {
    // (unverified) Graph's wording; the rule (an app must name an owner for a private channel) is documented.
    throw badRequest('A private channel created with application permissions must have a member with the owner role in members.');
  }
  return members;
}

/** A private channel's members, or for a standard channel the team's (a standard channel has no members of its own). */
function membersOf(call: Call, team: Team, channel: Channel): [string, string[]][] {
  return channel.members ? Object.entries(channel.members) : [...team.members.entries()];
}

export function registerChannels(router: GraphRouter): void {
  router.add('POST', '/teams/{teamId}/channels', (request, params, call) => {
    authorize(call.principal, PERMISSIONS.createChannel);
    teamScope(call, params['teamId'] as string);
    const team = accessibleTeam(call, params['teamId'] as string);
    const parsed = createSchema.safeParse(objectBody(request.body));
    if (!parsed.success) throw badRequest(`Invalid value for property '${parsed.error.issues[0]?.path.join('.') ?? ''}' of resource 'channel'.`);
    const body = parsed.data;
    const membershipType = body.membershipType ?? 'standard';
    // (unverified) Graph's answer; shared channels are outside what the sandbox emulates.
    if (membershipType === 'shared') throw badRequest('Creating shared channels is not supported by the sandbox.');
    const refusal = nameRefusal(call, team, body.displayName);
    if (refusal) throw refusal;
    if (membershipType === 'standard' && body.members !== undefined && body.members.length > 0) throw badRequest('Members can be specified only when creating a private or shared channel.');
    const members = membershipType === 'private' ? privateMembers(call, team, body.members ?? []) : undefined;
    const channel: Channel = {
      id: channelThreadId(),
      teamId: team.id,
      tenantId: team.tenantId,
      displayName: body.displayName.trim(),
      description: body.description ?? null,
      membershipType,
      createdDateTime: new Date().toISOString(),
      ...(members ? { members } : {}),
    };
    call.sandbox.store.channels.set(channel.id, channel);
    team.channelIds.push(channel.id);
    return json(201, { '@odata.context': `${call.sandbox.baseUrl()}/v1.0/$metadata#teams('${team.id}')/channels/$entity`, ...channelRecord(channel) });
  });

  router.add('GET', '/teams/{teamId}/channels/{channelId}/members', (_request, params, call) => {
    authorize(call.principal, PERMISSIONS.readChannelMembers);
    teamsGet(call);
    teamScope(call, params['teamId'] as string, params['channelId']);
    const { team, channel } = accessibleChannel(call, params['teamId'] as string, params['channelId'] as string);
    return json(200, { value: membersOf(call, team, channel).map(([userId, roles]) => channelMemberRecord(call, channel, userId, roles)) });
  });

  router.add('POST', '/teams/{teamId}/channels/{channelId}/members', (request, params, call) => {
    authorize(call.principal, PERMISSIONS.addChannelMember);
    teamScope(call, params['teamId'] as string, params['channelId']);
    const { team, channel } = accessibleChannel(call, params['teamId'] as string, params['channelId'] as string);
    // Documented: members are added to private (and shared) channels; a standard channel's members are the team's.
    if (!channel.members) throw badRequest('Members can be added only to a private or shared channel; a standard channel has the members of its team.');
    if (call.principal.kind === 'delegated' && !(channel.members[call.principal.userId ?? ''] ?? []).includes('owner')) throw forbidden('Only owners of the private channel can add members.');
    const parsed = memberSchema.safeParse(objectBody(request.body));
    if (!parsed.success) throw badRequest(`Invalid value for property '${parsed.error.issues[0]?.path.join('.') ?? ''}' of resource 'conversationMember'.`);
    const bound = boundUserId(parsed.data['user@odata.bind']);
    const user = call.sandbox.store.findUser(call.principal.tenantId, bound);
    if (!user) throw notFound(`User ${bound} not found.`);
    if (!team.members.has(user.id)) throw badRequest(`User ${user.id} must be a member of the team before being added to one of its private channels.`);
    const roles = parsed.data.roles.map((role) => role.toLowerCase());
    if (user.userType === 'Guest' && roles.includes('owner')) throw badRequest('A guest cannot be an owner of a channel.');
    // (unverified) that the team's rules for guests (delegated only, by id, roles ['guest']) hold for channels too.
    const refusal = memberRefusal(call, user, bound, roles.filter((role) => role !== 'owner'));
    if (refusal) throw refusal;
    channel.members[user.id] = roles;
    return json(201, { '@odata.context': `${call.sandbox.baseUrl()}/v1.0/$metadata#teams('${team.id}')/channels('${channel.id}')/members/$entity`, ...channelMemberRecord(call, channel, user.id, roles) });
  });
}

import { z } from 'zod';
import { PERMISSIONS, authorize } from '../auth/permissions';
import { type Call, type GraphRouter, objectBody } from '../http/call';
import { json } from '../http/exchange';
import { GraphError, badRequest, forbidden, notFound } from '../http/graph-error';
import { chatThreadId, newGuid } from '../state/ids';
import type { Chat } from '../state/model';
import { boundUserId } from './message-input';
import { registerMessageRoutes } from './message-routes';

const memberSchema = z
  .object({ '@odata.type': z.literal('#microsoft.graph.aadUserConversationMember'), roles: z.array(z.string()).optional(), 'user@odata.bind': z.string() })
  .passthrough();
const chatSchema = z.object({ chatType: z.enum(['oneOnOne', 'group']), topic: z.string().nullable().optional(), members: z.array(memberSchema).min(1) });

function chatRecord(call: Call, chat: Chat): Record<string, unknown> {
  return {
    '@odata.context': `${call.sandbox.baseUrl()}/v1.0/$metadata#chats/$entity`,
    id: chat.id,
    topic: chat.topic,
    createdDateTime: chat.createdDateTime,
    lastUpdatedDateTime: chat.lastUpdatedDateTime,
    chatType: chat.chatType,
    webUrl: `https://teams.microsoft.com/l/chat/${encodeURIComponent(chat.id)}/0?tenantId=${chat.tenantId}`,
    tenantId: chat.tenantId,
    isHiddenForAllMembers: false,
    onlineMeetingInfo: null,
    viewpoint: null,
  };
}

function memberRecord(call: Call, chat: Chat, userId: string): Record<string, unknown> {
  const member = chat.members.get(userId);
  const user = call.sandbox.store.users.get(userId);
  return {
    '@odata.type': '#microsoft.graph.aadUserConversationMember',
    id: member?.membershipId,
    roles: member?.roles ?? [],
    displayName: user?.displayName ?? null,
    visibleHistoryStartDateTime: '0001-01-01T00:00:00Z',
    userId,
    email: user?.mail ?? null,
    tenantId: user?.tenantId ?? null,
  };
}

/** The chat, visible to app tokens in its tenant and to delegated callers who are members. */
export function accessibleChat(call: Call, chatId: string): Chat {
  const chat = call.sandbox.store.chats.get(chatId);
  if (!chat || chat.tenantId !== call.principal.tenantId) throw notFound(`Chat ${chatId} not found.`);
  if (call.principal.kind === 'delegated' && !chat.members.has(call.principal.userId ?? '')) throw forbidden('Forbidden: the signed-in user is not a member of this chat.');
  return chat;
}

function teamsGet(call: Call): void {
  call.sandbox.throttle.take('teamsGet', `${call.principal.tenantId}:${call.principal.clientId}`);
}

export function registerChats(router: GraphRouter): void {
  router.add('POST', '/chats', (request, _params, call) => {
    authorize(call.principal, PERMISSIONS.createChat);
    const parsed = chatSchema.safeParse(objectBody(request.body));
    if (!parsed.success) throw badRequest(`Invalid value for property '${parsed.error.issues[0]?.path.join('.') ?? ''}' of resource 'chat'.`);
    const input = parsed.data;
    const { store } = call.sandbox;
    const memberIds = input.members.map((m) => {
      const id = boundUserId(m['user@odata.bind']);
      const user = store.findUser(call.principal.tenantId, id);
      if (!user) throw notFound(`User ${id} not found.`);
      return { userId: user.id, roles: m.roles ?? ['owner'] };
    });
    const unique = new Set(memberIds.map((m) => m.userId));
    if (unique.size !== memberIds.length) throw badRequest('The members list contains duplicate users.');
    if (call.principal.kind === 'delegated' && !unique.has(call.principal.userId ?? '')) throw badRequest('The signed-in user must be one of the chat members.');
    if (input.chatType === 'oneOnOne') {
      if (memberIds.length !== 2) throw badRequest('A oneOnOne chat must have exactly two members.');
      if (input.topic) throw badRequest('A oneOnOne chat cannot have a topic.');
      const existing = [...store.chats.values()].find((c) => c.tenantId === call.principal.tenantId && c.chatType === 'oneOnOne' && [...unique].every((id) => c.members.has(id)));
      if (existing) return json(201, chatRecord(call, existing));
    } else if (memberIds.length < 2) {
      throw badRequest('A group chat needs at least two members.');
    }
    const now = new Date().toISOString();
    const chat: Chat = {
      id: chatThreadId(),
      tenantId: call.principal.tenantId,
      chatType: input.chatType,
      topic: input.topic ?? null,
      createdDateTime: now,
      lastUpdatedDateTime: now,
      members: new Map(memberIds.map((m) => [m.userId, { roles: m.roles, membershipId: newGuid(), since: now }])),
    };
    store.chats.set(chat.id, chat);
    return json(201, chatRecord(call, chat));
  });

  router.add('GET', '/chats', (_request, _params, call) => {
    if (call.principal.kind !== 'delegated') throw new GraphError(403, 'Forbidden', 'Requested API is not supported in application-only context. Use /users/{id}/chats.');
    authorize(call.principal, PERMISSIONS.readChats);
    teamsGet(call);
    const mine = [...call.sandbox.store.chats.values()].filter((c) => c.members.has(call.principal.userId ?? ''));
    return json(200, { value: mine.map((c) => chatRecord(call, c)) });
  });

  router.add('GET', '/users/{userId}/chats', (_request, params, call) => {
    authorize(call.principal, PERMISSIONS.readChats);
    teamsGet(call);
    const user = call.sandbox.store.findUser(call.principal.tenantId, params['userId'] as string);
    if (!user) throw notFound();
    if (call.principal.kind === 'delegated' && user.id !== call.principal.userId) throw forbidden('A delegated caller can only list their own chats.');
    const chats = [...call.sandbox.store.chats.values()].filter((c) => c.members.has(user.id));
    return json(200, { value: chats.map((c) => chatRecord(call, c)) });
  });

  router.add('GET', '/chats/{chatId}', (_request, params, call) => {
    authorize(call.principal, PERMISSIONS.readChats);
    teamsGet(call);
    return json(200, chatRecord(call, accessibleChat(call, params['chatId'] as string)));
  });

  router.add('GET', '/chats/{chatId}/members', (_request, params, call) => {
    authorize(call.principal, PERMISSIONS.readChats);
    teamsGet(call);
    const chat = accessibleChat(call, params['chatId'] as string);
    return json(200, { value: [...chat.members.keys()].map((id) => memberRecord(call, chat, id)) });
  });

  router.add('POST', '/chats/{chatId}/members', (request, params, call) => {
    authorize(call.principal, PERMISSIONS.chatMembersWrite);
    const chat = accessibleChat(call, params['chatId'] as string);
    if (chat.chatType === 'oneOnOne') throw badRequest('Members cannot be added to a oneOnOne chat.');
    const parsed = memberSchema.safeParse(objectBody(request.body));
    if (!parsed.success) throw badRequest(`Invalid value for property '${parsed.error.issues[0]?.path.join('.') ?? ''}' of resource 'conversationMember'.`);
    const user = call.sandbox.store.findUser(call.principal.tenantId, boundUserId(parsed.data['user@odata.bind']));
    if (!user) throw notFound('User not found.');
    if (!chat.members.has(user.id)) chat.members.set(user.id, { roles: parsed.data.roles ?? ['owner'], membershipId: newGuid(), since: new Date().toISOString() });
    const membershipId = chat.members.get(user.id)?.membershipId ?? '';
    // Documented: 201 Created with a Location header and no body.
    return { status: 201, headers: { location: `${call.sandbox.baseUrl()}/v1.0/chats/${encodeURIComponent(chat.id)}/members/${membershipId}` } };
  });

  registerMessageRoutes(router, {
    prefix: '/chats/{chatId}',
    deletePrefix: '/users/{userId}/chats/{chatId}',
    replies: false,
    permissions: {
      read: PERMISSIONS.readChatMessages,
      send: PERMISSIONS.sendChatMessage,
      write: PERMISSIONS.writeChatMessage,
      react: PERMISSIONS.reactChatMessage,
      policyViolation: PERMISSIONS.chatMessagePolicyViolation,
    },
    resolve: (_request, params, call, write) => {
      if (!write) teamsGet(call);
      return { kind: 'chat', chatId: accessibleChat(call, params['chatId'] as string).id };
    },
    sendLimits: (call) => [['chatMessagePost', `${call.principal.tenantId}:${call.principal.clientId}`]],
  });
}

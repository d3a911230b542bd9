import { z } from 'zod';
import { type Requirement, authorize } from '../auth/permissions';
import { type Call, type GraphRouter, objectBody } from '../http/call';
import { json, noContent } from '../http/exchange';
import type { GraphRequest } from '../http/exchange';
import { badRequest, forbidden, notFound } from '../http/graph-error';
import type { RouteParams } from '../http/router';
import type { MessageContainer } from '../state/model';
import type { GraphLimits } from '../throttling/limits';
import { boxKey, containerBase, editMessage, findMessage, postMessage, replyWithQuote, setPolicyViolation, setReaction, softDeleteMessage, undoSoftDeleteMessage } from './message-actions';
import { checkAttachments, checkBodySize } from './message-attachments';
import { parseEditBody, parseNewMessage, parseReaction } from './message-input';
import { listMessages } from './message-list';
import { messageRecord } from './message-view';

/** How one kind of container (chat, channel) plugs into the shared message routes. */
export interface MessageContainerKind {
  /** e.g. `/chats/{chatId}` */
  readonly prefix: string;
  /**
   * Where softDelete/undoSoftDelete live. Channels: under the prefix. Chats: the v1.0 docs give only
   * `/users/{userId}/chats/{chatId}/messages/{messageId}/softDelete`.
   */
  readonly deletePrefix: string;
  /** Resolves and checks access (membership for delegated callers); also applies per-container throttling. */
  resolve(request: GraphRequest, params: RouteParams, call: Call, write: boolean): MessageContainer;
  readonly permissions: { read: Requirement; send: Requirement; write: Requirement; react: Requirement; policyViolation: Requirement };
  /** The container kind's own limits on a new message (per app per tenant, per team...). */
  sendLimits(call: Call, container: MessageContainer): [keyof GraphLimits, string][];
  readonly replies: boolean;
}

function delegatedUser(call: Call): string {
  if (!call.principal.userId) throw badRequest('A signed-in user is required.');
  return call.principal.userId;
}

/**
 * Counts a new message against every limit at once: the kind's own, 1 per second per app on this chat or channel,
 * and 1 per second per user on it (reference: "Teams send limits").
 */
function throttleSend(call: Call, kind: MessageContainerKind, container: MessageContainer): void {
  const place = boxKey(container);
  call.sandbox.throttle.takeAll([
    ...kind.sendLimits(call, container),
    ['perChatOrChannelSend', `${call.principal.tenantId}:${call.principal.clientId}:${place}`],
    ['perUserPerChatOrChannelSend', `${call.principal.userId ?? call.principal.clientId}:${place}`],
  ]);
}

/** A new message as Graph takes it: the body's shape and mentions, then its size and its files. */
function newMessageInput(call: Call, raw: unknown): ReturnType<typeof parseNewMessage> {
  const input = parseNewMessage(raw, call.sandbox.store, call.principal.tenantId);
  checkBodySize(input.body.content);
  return { ...input, attachments: checkAttachments(call.sandbox, input.attachments ?? [], input.body.content, delegatedUser(call)) };
}

const quoteSchema = z.object({ messageIds: z.array(z.string().min(1)).min(1).max(10), replyMessage: z.unknown() });

export function registerMessageRoutes(router: GraphRouter, kind: MessageContainerKind): void {
  const messagePaths = kind.replies ? ['/messages/{messageId}', '/messages/{parentId}/replies/{messageId}'] : ['/messages/{messageId}'];

  router.add('POST', `${kind.prefix}/messages`, (request, params, call) => {
    authorize(call.principal, kind.permissions.send);
    const container = kind.resolve(request, params, call, true);
    const input = newMessageInput(call, request.body);
    throttleSend(call, kind, container);
    const message = postMessage(call.sandbox, { ...input, container, fromUserId: delegatedUser(call) });
    return json(201, messageRecord(call.sandbox.store, message));
  });
  router.add('GET', `${kind.prefix}/messages`, (request, params, call) => {
    authorize(call.principal, kind.permissions.read);
    const container = kind.resolve(request, params, call, false);
    return json(200, listMessages(call, request, container, null, `${containerBase(call.sandbox, container)}/messages`));
  });
  if (!kind.replies) {
    // Chats have no threads; a reply quotes (documented for chats only, delegated ChatMessage.Send only).
    router.add('POST', `${kind.prefix}/messages/replyWithQuote`, (request, params, call) => {
      authorize(call.principal, { delegated: ['ChatMessage.Send'], applicationRefusal: 'replyWithQuote is supported in delegated context only.' });
      const container = kind.resolve(request, params, call, true);
      const parsed = quoteSchema.safeParse(objectBody(request.body));
      if (!parsed.success) throw badRequest(`Invalid value for parameter '${parsed.error.issues[0]?.path.join('.') ?? ''}' of action 'replyWithQuote': ${parsed.error.issues[0]?.message ?? 'invalid'}.`);
      const input = newMessageInput(call, parsed.data.replyMessage);
      throttleSend(call, kind, container);
      const message = replyWithQuote(call.sandbox, { ...input, container, fromUserId: delegatedUser(call), quotedIds: parsed.data.messageIds });
      return json(201, messageRecord(call.sandbox.store, message));
    });
  }
  if (kind.replies) {
    router.add('POST', `${kind.prefix}/messages/{parentId}/replies`, (request, params, call) => {
      authorize(call.principal, kind.permissions.send);
      const container = kind.resolve(request, params, call, true);
      const input = newMessageInput(call, request.body);
      throttleSend(call, kind, container);
      const message = postMessage(call.sandbox, { ...input, container, fromUserId: delegatedUser(call), replyToId: params['parentId'] as string });
      return json(201, messageRecord(call.sandbox.store, message));
    });
    router.add('GET', `${kind.prefix}/messages/{parentId}/replies`, (request, params, call) => {
      authorize(call.principal, kind.permissions.read);
      const container = kind.resolve(request, params, call, false);
      findMessage(call.sandbox, container, params['parentId'] as string, undefined);
      const parentId = params['parentId'] as string;
      return json(200, listMessages(call, request, container, parentId, `${containerBase(call.sandbox, container)}/messages/${parentId}/replies`));
    });
  }

  for (const path of messagePaths) {
    const locate = (request: GraphRequest, params: RouteParams, call: Call, write: boolean) => {
      const container = kind.resolve(request, params, call, write);
      const message = findMessage(call.sandbox, container, params['messageId'] as string, params['parentId'] ?? (path.includes('replies') ? '' : undefined));
      if (!path.includes('replies') && message.replyToId) throw notFound();
      return { container, message };
    };
    router.add('GET', `${kind.prefix}${path}`, (request, params, call) => {
      authorize(call.principal, kind.permissions.read);
      const { message } = locate(request, params, call, false);
      return json(200, messageRecord(call.sandbox.store, message));
    });
    router.add('PATCH', `${kind.prefix}${path}`, (request, params, call) => {
      const body = objectBody(request.body);
      const setsPolicyViolation = Object.prototype.hasOwnProperty.call(body, 'policyViolation');
      if (call.principal.kind === 'application') {
        // Documented: an application may update only policyViolation (Chat/ChannelMessage.UpdatePolicyViolation.All).
        authorize(call.principal, kind.permissions.policyViolation);
        const others = Object.keys(body).filter((key) => key !== 'policyViolation' && !key.startsWith('@odata.'));
        if (others.length > 0 || !setsPolicyViolation) throw forbidden(`With application permissions only the policyViolation property can be updated (got: ${others.join(', ') || 'nothing'}).`);
        const value = body['policyViolation'];
        if (value !== null && (typeof value !== 'object' || Array.isArray(value))) throw badRequest("Invalid value for property 'policyViolation' of resource 'chatMessage'.");
        const { message } = locate(request, params, call, true);
        setPolicyViolation(call.sandbox, message, value as Record<string, unknown> | null);
        return noContent();
      }
      authorize(call.principal, kind.permissions.write);
      // (unverified) Graph's answer when a delegated caller sets policyViolation: the docs grant it to apps only.
      if (setsPolicyViolation) throw forbidden('policyViolation can be updated with application permissions only.');
      const { message } = locate(request, params, call, true);
      const edit = parseEditBody(body);
      checkBodySize(edit.content);
      editMessage(call.sandbox, message, delegatedUser(call), edit);
      return noContent();
    });
    for (const [action, undo] of [['softDelete', false], ['undoSoftDelete', true]] as const) {
      router.add('POST', `${kind.deletePrefix}${path}/${action}`, (request, params, call) => {
        authorize(call.principal, kind.permissions.write);
        const owner = params['userId'];
        if (owner !== undefined) {
          // (unverified) Graph's answer when {userId} is not the signed-in user; the sender alone may delete anyway.
          const user = call.sandbox.store.findUser(call.principal.tenantId, owner);
          if (!user) throw notFound(`User ${owner} not found.`);
          if (user.id !== call.principal.userId) throw forbidden('A delegated caller can delete only through their own /users/{id} path.');
        }
        const { message } = locate(request, params, call, true);
        if (undo) undoSoftDeleteMessage(call.sandbox, message, delegatedUser(call));
        else softDeleteMessage(call.sandbox, message, delegatedUser(call));
        return noContent();
      });
    }
    for (const [action, on] of [['setReaction', true], ['unsetReaction', false]] as const) {
      router.add('POST', `${kind.prefix}${path}/${action}`, (request, params, call) => {
        authorize(call.principal, kind.permissions.react);
        const { message } = locate(request, params, call, true);
        setReaction(call.sandbox, message, delegatedUser(call), parseReaction(request.body), on);
        return noContent();
      });
    }
    router.add('GET', `${kind.prefix}${path}/hostedContents`, (request, params, call) => {
      authorize(call.principal, kind.permissions.read);
      const { message } = locate(request, params, call, false);
      return json(200, { value: message.hostedContents.map((h) => ({ id: h.id, contentBytes: null, contentType: null })) });
    });
    router.add('GET', `${kind.prefix}${path}/hostedContents/{hostedId}/$value`, (request, params, call) => {
      authorize(call.principal, kind.permissions.read);
      const { message } = locate(request, params, call, false);
      const hosted = message.hostedContents.find((h) => h.id === params['hostedId']);
      if (!hosted) throw notFound();
      return { status: 200, headers: { 'content-type': hosted.contentType }, raw: hosted.bytes };
    });
  }
}

import { type Requirement, authorize } from '../auth/permissions';
import type { Call, GraphRouter } from '../http/call';
import { json, noContent } from '../http/exchange';
import type { GraphRequest } from '../http/exchange';
import { badRequest, notFound } from '../http/graph-error';
import { decodeSkipToken, encodeSkipToken, topParameter } from '../http/odata';
import type { RouteParams } from '../http/router';
import type { MessageContainer } from '../state/model';
import { boxKey, containerBase, editMessage, findMessage, postMessage, setReaction, softDeleteMessage, undoSoftDeleteMessage } from './message-actions';
import { parseEditBody, parseNewMessage, parseReaction } from './message-input';
import { messageRecord } from './message-view';

/** How one kind of container (chat, channel) plugs into the shared message routes. */
export interface MessageContainerKind {
  /** e.g. `/chats/{chatId}` */
  readonly prefix: string;
  /** Resolves and checks access (membership for delegated callers); also applies per-container throttling. */
  resolve(request: GraphRequest, params: RouteParams, call: Call, write: boolean): MessageContainer;
  readonly permissions: { read: Requirement; send: Requirement; write: Requirement; react: Requirement };
  /** Counts a POST of a new message against the documented limits. */
  throttleSend(call: Call, container: MessageContainer): void;
  readonly replies: boolean;
}

function delegatedUser(call: Call): string {
  if (!call.principal.userId) throw badRequest('A signed-in user is required.');
  return call.principal.userId;
}

function list(call: Call, request: GraphRequest, container: MessageContainer, replyToId: string | null, path: string): Record<string, unknown> {
  const token = request.query.get('$skiptoken');
  const page = token ? decodeSkipToken<{ top: number; offset: number }>(token) : { top: topParameter(request.query, 20, 50), offset: 0 };
  const box = call.sandbox.store.messages.get(boxKey(container));
  const all = [...(box?.values() ?? [])].filter((m) => m.replyToId === replyToId).sort((a, b) => Number(b.id) - Number(a.id));
  const slice = all.slice(page.offset, page.offset + page.top);
  const body: Record<string, unknown> = { value: slice.map((m) => messageRecord(call.sandbox.store, m)) };
  if (page.offset + page.top < all.length) body['@odata.nextLink'] = `${path}?$skiptoken=${encodeSkipToken({ top: page.top, offset: page.offset + page.top })}`;
  return body;
}

export function registerMessageRoutes(router: GraphRouter, kind: MessageContainerKind): void {
  const messagePaths = kind.replies ? ['/messages/{messageId}', '/messages/{parentId}/replies/{messageId}'] : ['/messages/{messageId}'];

  router.add('POST', `${kind.prefix}/messages`, (request, params, call) => {
    authorize(call.principal, kind.permissions.send);
    const container = kind.resolve(request, params, call, true);
    kind.throttleSend(call, container);
    const input = parseNewMessage(request.body, call.sandbox.store, call.principal.tenantId);
    const message = postMessage(call.sandbox, { ...input, container, fromUserId: delegatedUser(call) });
    return json(201, messageRecord(call.sandbox.store, message));
  });
  router.add('GET', `${kind.prefix}/messages`, (request, params, call) => {
    authorize(call.principal, kind.permissions.read);
    const container = kind.resolve(request, params, call, false);
    return json(200, list(call, request, container, null, `${containerBase(call.sandbox, container)}/messages`));
  });
  if (kind.replies) {
    router.add('POST', `${kind.prefix}/messages/{parentId}/replies`, (request, params, call) => {
      authorize(call.principal, kind.permissions.send);
      const container = kind.resolve(request, params, call, true);
      kind.throttleSend(call, container);
      const input = parseNewMessage(request.body, call.sandbox.store, call.principal.tenantId);
      const message = postMessage(call.sandbox, { ...input, container, fromUserId: delegatedUser(call), replyToId: params['parentId'] as string });
      return json(201, messageRecord(call.sandbox.store, message));
    });
    router.add('GET', `${kind.prefix}/messages/{parentId}/replies`, (request, params, call) => {
      authorize(call.principal, kind.permissions.read);
      const container = kind.resolve(request, params, call, false);
      findMessage(call.sandbox, container, params['parentId'] as string, undefined);
      const parentId = params['parentId'] as string;
      return json(200, list(call, request, container, parentId, `${containerBase(call.sandbox, container)}/messages/${parentId}/replies`));
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
      authorize(call.principal, kind.permissions.write);
      const { message } = locate(request, params, call, true);
      editMessage(call.sandbox, message, delegatedUser(call), parseEditBody(request.body));
      return noContent();
    });
    router.add('POST', `${kind.prefix}${path}/softDelete`, (request, params, call) => {
      authorize(call.principal, kind.permissions.write);
      const { message } = locate(request, params, call, true);
      softDeleteMessage(call.sandbox, message, delegatedUser(call));
      return noContent();
    });
    router.add('POST', `${kind.prefix}${path}/undoSoftDelete`, (request, params, call) => {
      authorize(call.principal, kind.permissions.write);
      const { message } = locate(request, params, call, true);
      undoSoftDeleteMessage(call.sandbox, message, delegatedUser(call));
      return noContent();
    });
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

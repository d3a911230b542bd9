import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SlackStore } from '../store';
import type { SlackActions } from '../actions';
import type { FaultInjector } from '../faults';
import type { Token } from '../model';
import { TIER_PER_MINUTE, type RateLimiter } from '../rate-limiter';
import { SlackApiError } from '../errors';
import { parseArguments, sendJson, sleep } from '../http-io';
import { optionalString } from './args';
import type { MethodContext } from './context';
import { METHODS } from './method-catalog';
import { oauthV2Access } from './oauth-access';
import { APP_TOKEN_METHODS } from './apps-methods';

export interface LimitSettings {
  readonly enabled: boolean;
  readonly timeScale: number;
  /** chat.postMessage: messages a channel accepts at once before the 1/s pace applies. */
  readonly postBurst: number;
  /** chat.postMessage per app per workspace per minute, across all channels (Slack's "workspace-wide limit"). */
  readonly postsPerMinute: number;
}

export interface WebApiDeps {
  readonly store: SlackStore;
  readonly actions: SlackActions;
  readonly limiter: RateLimiter;
  readonly faults: FaultInjector;
  readonly limits: () => LimitSettings;
  readonly baseUrl: () => string;
}

/** Answers a 429 the way Slack does, plus the exact scaled wait for time-compressed tests. */
export function sendRateLimited(response: ServerResponse, retryAfterMs: number): void {
  sendJson(response, 429, { ok: false, error: 'ratelimited' }, {
    'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
    'x-sandbox-retry-after-ms': String(Math.max(0, Math.round(retryAfterMs))),
  });
}

function bearer(request: IncomingMessage, args: Record<string, unknown>): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim() || undefined;
  return optionalString(args, 'token');
}

function authenticate(store: SlackStore, token: string | undefined): Token {
  if (!token) throw new SlackApiError('not_authed');
  const found = store.tokens.get(token);
  if (!found || found.kind === 'scim') throw new SlackApiError('invalid_auth');
  if (found.revoked) throw new SlackApiError('token_revoked');
  const user = store.users.get(found.userId);
  if (!user || user.deleted) throw new SlackApiError('account_inactive');
  return found;
}

/** Rate-limit key and bucket for a call: per method per workspace per app, or per channel for chat.postMessage. */
function limitCheck(deps: WebApiDeps, method: string, token: Token, args: Record<string, unknown>): number {
  const settings = deps.limits();
  if (!settings.enabled) return 0;
  const spec = METHODS.get(method);
  if (!spec) return 0;
  const who = token.appId ?? token.userId;
  if (spec.tier === 'post') {
    const channel = typeof args['channel'] === 'string' ? args['channel'] : '';
    const burst = Math.max(1, settings.postBurst);
    const channelKey = `${token.teamId}:post:${channel}`;
    const perChannel = deps.limiter.take(channelKey, burst, burst * 1000 * settings.timeScale).retryAfterMs;
    if (perChannel > 0) return perChannel;
    const workspaceWide = deps.limiter.take(`${token.teamId}:${who}:post`, settings.postsPerMinute, 60_000 * settings.timeScale).retryAfterMs;
    if (workspaceWide > 0) deps.limiter.giveBack(channelKey);
    return workspaceWide;
  }
  const app = token.appId ? deps.store.apps.get(token.appId) : undefined;
  const restricted = app?.distribution === 'non-marketplace' && (method === 'conversations.history' || method === 'conversations.replies');
  const perMinute = restricted ? 1 : TIER_PER_MINUTE[spec.tier];
  return deps.limiter.take(`${token.teamId}:${who}:${method}`, perMinute, 60_000 * settings.timeScale).retryAfterMs;
}

export async function handleWebApi(deps: WebApiDeps, method: string, request: IncomingMessage, response: ServerResponse, body: Buffer, query: URLSearchParams): Promise<void> {
  let provided = '';
  const accepted: string[] = [];
  try {
    const args = await parseArguments(request, body, query);
    if (method === 'oauth.v2.access') {
      sendJson(response, 200, { ok: true, ...oauthV2Access(deps.store, args, request.headers.authorization) });
      return;
    }
    const spec = METHODS.get(method);
    if (!spec) throw new SlackApiError('unknown_method');
    const token = authenticate(deps.store, bearer(request, args));
    // App-level tokens call only their own few methods, and those methods take nothing else.
    if ((token.kind === 'app') !== APP_TOKEN_METHODS.has(method)) throw new SlackApiError('not_allowed_token_type');
    provided = [...token.scopes].join(',');
    if (deps.faults.takeRateLimitBurst()) {
      sendRateLimited(response, (deps.faults.current().rateLimitBurstRetryAfterMs ?? 1000) * deps.limits().timeScale);
      return;
    }
    if (deps.faults.failRequest()) {
      sendJson(response, 503, { ok: false, error: 'service_unavailable' });
      return;
    }
    const retryAfterMs = limitCheck(deps, method, token, args);
    if (retryAfterMs > 0) {
      sendRateLimited(response, retryAfterMs);
      return;
    }
    const caller = deps.store.users.get(token.userId);
    if (!caller) throw new SlackApiError('account_inactive');
    const ctx: MethodContext = {
      store: deps.store,
      actions: deps.actions,
      token,
      caller,
      app: token.appId ? deps.store.apps.get(token.appId) : undefined,
      args,
      baseUrl: deps.baseUrl(),
      shareDelayMs: deps.faults.shareDelayMs(),
      hasScope: (scope) => token.scopes.has(scope),
      requireScope: (...scopes) => {
        accepted.push(...scopes);
        if (!scopes.some((s) => token.scopes.has(s))) throw new SlackApiError('missing_scope', { needed: scopes.join(','), provided });
      },
    };
    const result = await spec.handler(ctx);
    const answerDelay = deps.faults.answerDelayMs();
    if (answerDelay > 0) await sleep(answerDelay);
    sendJson(response, 200, { ok: true, ...result }, { 'x-oauth-scopes': provided, 'x-accepted-oauth-scopes': accepted.join(',') });
  } catch (error) {
    if (error instanceof SlackApiError) {
      sendJson(response, 200, { ok: false, error: error.code, ...error.extra }, { 'x-oauth-scopes': provided, 'x-accepted-oauth-scopes': accepted.join(',') });
      return;
    }
    throw error;
  }
}

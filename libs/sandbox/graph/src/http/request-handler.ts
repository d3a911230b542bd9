import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorizePage } from '../auth/authorize-page';
import { IdentityError } from '../auth/identity-error';
import { tokenGrant } from '../auth/token-endpoint';
import type { SandboxContext } from '../context';
import { CONTROL_ACTIONS, type ControlAction, type ControlApi } from '../control/control-api';
import { GraphError, graphErrorBody } from './graph-error';
import type { GraphDispatcher } from './graph-dispatcher';
import { graphRequest, lowerHeaders, parseGraphBody, readBody, sendGraph, sendJson } from './server';

const TOKEN_PATH = /^\/([^/]+)\/oauth2\/v2\.0\/token$/i;
const AUTHORIZE_PATH = /^\/([^/]+)\/oauth2\/v2\.0\/authorize$/i;
/** Entra's signing keys (JWKS), v2 and v1 forms: where a subscriber fetches the key of notifications' validationTokens. */
const KEYS_PATH = /^\/([^/]+)\/discovery\/(?:v2\.0\/)?keys$/i;
const REDEEM_PATH = /^\/redeem\/([^/]+)\/([^/]+)$/;
/** Where an upload session's ranges go (its uploadUrl). */
export const UPLOAD_PATH = /^\/_upload\/([^/]+)$/;
/** Simple upload (`PUT .../content`): up to 250 MB, the current documented limit. */
export const SIMPLE_UPLOAD_MAX = 250 * 1024 * 1024;
/** One range of an upload session: under 60 MiB per request, as documented. */
export const UPLOAD_RANGE_MAX = 60 * 1024 * 1024;

const isFileUpload = (path: string): boolean => UPLOAD_PATH.test(path) || (/^\/v1\.0\//i.test(path) && /\/content\/?$/i.test(path));
const uploadLimit = (path: string): number => (UPLOAD_PATH.test(path) ? UPLOAD_RANGE_MAX : SIMPLE_UPLOAD_MAX);

/** The HTTPS entry point: Graph under /v1.0, the identity platform, invitation redemption and the control API. */
export function createRequestHandler(context: SandboxContext, dispatcher: GraphDispatcher, control: ControlApi, inspect: () => Record<string, unknown>) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    try {
      const url = new URL(request.url ?? '/', context.baseUrl());
      const method = (request.method ?? 'GET').toUpperCase();
      const headers = lowerHeaders(request);
      const url0 = new URL(request.url ?? '/', context.baseUrl());
      const method0 = (request.method ?? 'GET').toUpperCase();
      const bytesIn = method0 === 'PUT' && isFileUpload(url0.pathname);
      const read = await readBody(request, bytesIn ? uploadLimit(url0.pathname) : undefined);
      if (!read.ok) {
        sendGraph(response, { status: 413, headers: {}, body: graphErrorBody('RequestEntityTooLarge', 'The request body is too large.', headers['client-request-id']) }, headers['client-request-id']);
        return;
      }
      const path = url.pathname;

      const upload = UPLOAD_PATH.exec(path);
      if (upload) {
        // An upload session's URL is pre-authenticated (no bearer needed), outside /v1.0 as SharePoint's are.
        const answer = await dispatcher.upload(method, decodeURIComponent(upload[1] as string), headers, read.bytes);
        sendGraph(response, answer, headers['client-request-id']);
        return;
      }

      if (/^\/v1\.0(\/|$)/i.test(path)) {
        const parsed = bytesIn ? { ok: true as const, body: undefined } : parseGraphBody(read.text);
        if (!parsed.ok) {
          sendGraph(response, { status: 400, headers: {}, body: parsed.error }, headers['client-request-id']);
          return;
        }
        const graphCall = graphRequest(method, url, headers, parsed.body, bytesIn ? read.bytes : undefined);
        const answer = await dispatcher.dispatch(graphCall);
        if (context.faults.takeLostResponse(method, graphCall.path)) {
          // Injected: the request was carried out, its answer never arrives.
          response.destroy();
          return;
        }
        sendGraph(response, answer, headers['client-request-id']);
        return;
      }
      if (/^\/beta(\/|$)/i.test(path)) {
        sendGraph(response, { status: 400, headers: {}, body: graphErrorBody('BadRequest', 'The sandbox emulates Graph v1.0 only.', undefined) }, undefined);
        return;
      }

      if (KEYS_PATH.test(path) && method === 'GET') {
        sendJson(response, 200, context.signer.jwks());
        return;
      }

      const token = TOKEN_PATH.exec(path);
      if (token) {
        if (method !== 'POST') {
          sendJson(response, 405, new IdentityError(405, 'invalid_request', 900561, 'The endpoint only accepts POST requests.').body());
          return;
        }
        try {
          const form = (headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(read.text) : new URLSearchParams();
          sendJson(response, 200, tokenGrant(context, decodeURIComponent(token[1] as string), form), { pragma: 'no-cache' });
        } catch (error) {
          if (!(error instanceof IdentityError)) throw error;
          sendJson(response, error.status, error.body(headers['client-request-id']));
        }
        return;
      }

      const authorize = AUTHORIZE_PATH.exec(path);
      if (authorize) {
        const params = method === 'POST' ? new URLSearchParams(read.text) : url.searchParams;
        const page = authorizePage(context, decodeURIComponent(authorize[1] as string), method, params);
        response.writeHead(page.status, { ...page.headers, 'content-length': String(Buffer.byteLength(page.body)) });
        response.end(page.body);
        return;
      }

      const redeem = REDEEM_PATH.exec(path);
      if (redeem && method === 'GET') {
        const guest = context.store.users.get(decodeURIComponent(redeem[2] as string));
        if (guest && guest.userType === 'Guest') {
          guest.externalUserState = 'Accepted';
          guest.version = context.store.nextVersion();
        }
        const body = guest ? '<!doctype html><p>Invitation accepted.</p>' : '<!doctype html><p>Invitation not found.</p>';
        response.writeHead(guest ? 200 : 404, { 'content-type': 'text/html; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) });
        response.end(body);
        return;
      }

      if (path === '/_control/inspect' && method === 'GET') {
        sendJson(response, 200, inspect());
        return;
      }
      const action = /^\/_control\/(\w+)$/.exec(path)?.[1];
      if (action && method === 'POST') {
        if (!(CONTROL_ACTIONS as readonly string[]).includes(action)) {
          sendJson(response, 404, { error: `Unknown control action '${action}'.` });
          return;
        }
        let args: unknown;
        try {
          args = read.text.trim() ? JSON.parse(read.text) : {};
        } catch {
          sendJson(response, 400, { error: 'Invalid JSON.' });
          return;
        }
        try {
          const method = control[action as ControlAction] as (input: unknown) => unknown;
          const result = method.call(control, args ?? {});
          sendJson(response, 200, { ok: true, result: result ?? null });
        } catch (error) {
          if (error instanceof GraphError) sendJson(response, error.status, { ok: false, error: error.message });
          else sendJson(response, 400, { ok: false, error: error instanceof Error ? error.message : String(error) });
        }
        return;
      }
      sendJson(response, 404, { error: { code: 'NotFound', message: `Nothing at ${path}. Graph is under /v1.0, tokens at /{tenant}/oauth2/v2.0/token.` } });
    } catch (error) {
      if (!response.headersSent) sendJson(response, 500, graphErrorBody('InternalServerError', error instanceof Error ? error.message : String(error), undefined));
      else response.destroy();
    }
  };
}

// Test support: the official Graph SDK and raw fetch pointed at a sandbox, trusting its local CA.
//
// How the trust works (Node 20): global fetch is undici. NODE_EXTRA_CA_CERTS is read only at process start, and
// https.globalAgent does not apply to fetch. What works in-process is an undici Agent with `connect: { ca }`
// passed as fetch's `dispatcher` option; graph-client 3.0.7 calls `fetch(request, options)` with the client's
// `fetchOptions` merged into options, so `fetchOptions: { dispatcher }` reaches every SDK request. The `undici`
// package in node_modules (v7) is accepted by Node 20's built-in fetch as a dispatcher. A separate process (Parley
// itself) should instead be started with NODE_EXTRA_CA_CERTS pointing at the CA PEM file.
import { Client, type ClientOptions } from '@microsoft/microsoft-graph-client';
import { Agent } from 'undici';

const agents = new Map<string, Agent>();

/** One keep-alive dispatcher per CA, trusting the sandbox's CA. */
export function sandboxDispatcher(caPem: string): Agent {
  let agent = agents.get(caPem);
  if (!agent) {
    agent = new Agent({ connect: { ca: caPem } });
    agents.set(caPem, agent);
  }
  return agent;
}

export interface SandboxLike {
  readonly url: string;
  readonly caPem: string;
}

/** The Graph SDK client as Parley would build it, with customHosts so the auth middleware adds the bearer token. */
export function graphClient(sandbox: SandboxLike, token: string | (() => string), extra: Partial<ClientOptions> = {}): Client {
  return Client.initWithMiddleware({
    authProvider: { getAccessToken: async () => (typeof token === 'string' ? token : token()) },
    baseUrl: `${sandbox.url}/`,
    customHosts: new Set(['127.0.0.1']),
    fetchOptions: { dispatcher: sandboxDispatcher(sandbox.caPem) } as unknown as ClientOptions['fetchOptions'],
    ...extra,
  });
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

/** fetch against the sandbox (path relative to its url), for details the SDK hides (headers, exact bodies). */
export async function raw(sandbox: SandboxLike, path: string, init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string>; form?: Record<string, string> } = {}): Promise<RawResponse> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined;
  if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  } else if (init.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  }
  if (init.token) headers['authorization'] = `Bearer ${init.token}`;
  const response = await fetch(`${sandbox.url}${path}`, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual', dispatcher: sandboxDispatcher(sandbox.caPem) } as unknown as RequestInit);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: <T>() => JSON.parse(text) as T };
}

/** A token from the sandbox's token endpoint (the real flows, not the control shortcut). */
export async function tokenFor(sandbox: SandboxLike, tenant: string, form: Record<string, string>): Promise<RawResponse> {
  return raw(sandbox, `/${tenant}/oauth2/v2.0/token`, { form });
}

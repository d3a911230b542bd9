import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { demoOrganization, type SeedOrganization } from '@parley/sandbox-seed';
import { SlackStore } from './store';
import { SlackActions } from './actions';
import { EventDispatcher } from './events/dispatcher';
import { EventDeliverer, type DeliveryTiming } from './events/delivery';
import { FaultInjector, type SlackFaults } from './faults';
import { RateLimiter } from './rate-limiter';
import { SlackControl } from './control/control';
import { ControlError } from './control/people';
import { CONTROL_ROUTES, inspectRoute } from './control/control-http';
import { SlackInspector } from './inspect';
import { ScimUsers } from './scim';
import { seedWorkspace, type SeedOptions, type SlackSeedCredentials } from './seeding';
import { handleWebApi, type LimitSettings } from './web-api/web-api-handler';
import { canSeeFile } from './web-api/files-methods';
import { mimetypeOf } from './serializers';
import { answerOnceDurable, readBody, sendJson, sleep } from './http-io';
import { exportSlackState, restoreSlackState, type SlackState } from './state-snapshot';
import { SlackApiError } from './errors';
import { authorizePage } from './oauth/authorize-page';
import { CODE_LIFETIME_MS } from './oauth/grants';

/** upload_url takes raw bytes or a multipart form (what @slack/web-api sends); the file is the first file part. */
async function uploadedBytes(request: http.IncomingMessage, body: Buffer): Promise<Buffer> {
  const contentType = request.headers['content-type'] ?? '';
  if (!contentType.toLowerCase().startsWith('multipart/form-data')) return body;
  try {
    const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
    for (const value of form.values()) if (typeof value !== 'string') return Buffer.from(await value.arrayBuffer());
  } catch {
    // not a readable form: keep the raw bytes
  }
  return body;
}

/** What Slack shows a request for a file without a valid token: its sign-in page, not the file (nor an error status). */
const SIGN_IN_PAGE = '<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to your workspace</body></html>';

/**
 * url_private / url_private_download: the file's bytes for `Authorization: Bearer <token>` whose holder can see the file
 * and whose token has files:read; the download form adds an attachment disposition. Anything else gets what Slack
 * answers a browser that is not signed in (200 with the sign-in page), or 404 for a file the token cannot see.
 */
function serveFile(store: SlackStore, request: http.IncomingMessage, response: http.ServerResponse, path: string): void {
  const match = /^\/files-pri\/(T[A-Z0-9]+)-(F[A-Z0-9]+)\/(download\/)?[^/]+$/.exec(path);
  const file = match ? store.files.get(match[2] as string) : undefined;
  const header = request.headers.authorization;
  const token = header?.startsWith('Bearer ') ? store.tokens.get(header.slice(7).trim()) : undefined;
  const holder = token ? store.users.get(token.userId) : undefined;
  if (!token || token.revoked || token.kind === 'scim' || token.kind === 'app' || !holder || holder.deleted) {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(SIGN_IN_PAGE);
    return;
  }
  if (!file || file.teamId !== match?.[1] || !file.completed || !file.bytes || !token.scopes.has('files:read') || !canSeeFile(store, token, file)) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('file not found');
    return;
  }
  const headers: http.OutgoingHttpHeaders = { 'content-type': mimetypeOf(file.name), 'content-length': file.bytes.length };
  if (match?.[3]) headers['content-disposition'] = `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`;
  response.writeHead(200, headers).end(request.method === 'HEAD' ? undefined : file.bytes);
}

export interface SlackSandboxOptions {
  /** Default 0 (a free port). */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  readonly limits?: {
    /** Default true. Off for benchmarks. */
    readonly enabled?: boolean;
    /** Multiplies every window, Retry-After and event retry delay; 0.1 = ten times faster. Default 1. */
    readonly timeScale?: number;
    /** chat.postMessage burst per channel before the 1 msg/s pace. Default 3. */
    readonly postBurst?: number;
    /** Events API cap per app per workspace per (scaled) hour. Default 30,000. */
    readonly eventsPerHour?: number;
    /** chat.postMessage per app per workspace per (scaled) minute, across channels. Default 600 (unverified figure). */
    readonly postsPerMinute?: number;
  };
  readonly events?: {
    /** Default [0, 60 s, 5 min] x timeScale. */
    readonly retryDelaysMs?: number[];
    /** Default 3 s (not scaled: receivers need real time to answer). */
    readonly ackTimeoutMs?: number;
  };
  /** Seeds ids, tokens and fault rolls. Default 1. */
  readonly seed?: number;
  /** A state saved by `exportState()` (an earlier run): the sandbox starts with it instead of empty. */
  readonly restore?: SlackState;
  /**
   * Called when a request has been handled, before it is answered; the answer waits until it resolves. The runner
   * passes a writer that saves `exportState()` durably. Without it the sandbox lives in memory only.
   */
  readonly persist?: () => Promise<void>;
}

export interface SlackSandbox {
  readonly url: string;
  readonly apiUrl: string;
  readonly port: number;
  readonly state: SlackStore;
  readonly control: SlackControl;
  readonly inspect: SlackInspector;
  /** Seeds demoOrganization() (plan business+ unless told). */
  seedDemo(options?: SeedOptions): SlackSeedCredentials;
  seed(org: SeedOrganization, options?: SeedOptions): SlackSeedCredentials;
  /** Empties state, deliveries, rate-limit buckets and faults, and restores the limits given at start (then seed again). */
  reset(): void;
  setFaults(faults: SlackFaults): void;
  setLimits(limits: Partial<LimitSettings>): void;
  /** Resolves when no event delivery or retry is pending. */
  eventsIdle(): Promise<void>;
  /** The whole state as plain JSON, for `restore` after a restart (rate-limit windows and pending deliveries excluded). */
  exportState(): SlackState;
  stop(): Promise<void>;
}

export async function startSlackSandbox(options: SlackSandboxOptions = {}): Promise<SlackSandbox> {
  const seed = options.seed ?? 1;
  const initialLimits: LimitSettings = { enabled: options.limits?.enabled ?? true, timeScale: options.limits?.timeScale ?? 1, postBurst: options.limits?.postBurst ?? 3, postsPerMinute: options.limits?.postsPerMinute ?? 600 };
  let limits = initialLimits;
  const timing: DeliveryTiming = {
    retryDelaysMs: options.events?.retryDelaysMs ?? [0, 60_000, 300_000].map((ms) => ms * limits.timeScale),
    ackTimeoutMs: options.events?.ackTimeoutMs ?? 3000,
  };
  const store = new SlackStore(seed);
  if (options.restore) restoreSlackState(store, options.restore);
  const faults = new FaultInjector(seed);
  const deliverer = new EventDeliverer(timing, faults);
  const eventsPerHour = options.limits?.eventsPerHour ?? 30_000;
  const dispatcher = new EventDispatcher(store, deliverer, () => ({ enabled: limits.enabled, timeScale: limits.timeScale, eventsPerHour }));
  const actions = new SlackActions(store, dispatcher);
  const limiter = new RateLimiter();
  const codeLifetimeMs = () => CODE_LIFETIME_MS * limits.timeScale;
  const control = new SlackControl(store, actions, () => timing.ackTimeoutMs, codeLifetimeMs);
  const inspector = new SlackInspector(store, () => deliverer.log);
  const scim = new ScimUsers(store, actions);
  let baseUrl = '';
  const webApi = { store, actions, limiter, faults, limits: () => limits, baseUrl: () => baseUrl };

  const reset = () => {
    limits = initialLimits;
    deliverer.clear();
    dispatcher.reset();
    store.clear();
    limiter.clear();
    faults.reset();
    inspector.clear();
  };
  const seedOrg = (org: SeedOrganization, seedOptions?: SeedOptions) => seedWorkspace(store, org, seedOptions);
  const httpDeps = { control, inspector, setFaults: (f: SlackFaults) => faults.set(f), reset, seedDemo: () => seedOrg(demoOrganization()), seed: seedOrg };

  async function route(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://sandbox');
    const path = url.pathname;
    const body = await readBody(request);
    if (path.startsWith('/api/')) {
      const latency = faults.latencyMs();
      if (latency > 0) await sleep(latency);
      return handleWebApi(webApi, path.slice(5), request, response, body, url.searchParams);
    }
    if (path === '/oauth/v2/authorize' && (request.method === 'GET' || request.method === 'POST')) {
      const params = new URLSearchParams(url.searchParams);
      if (request.method === 'POST') for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.set(k, v);
      const page = authorizePage(store, request.method, params, codeLifetimeMs());
      response.writeHead(page.status, page.headers).end(page.body);
      return;
    }
    if (path.startsWith('/upload/v1/')) {
      const file = store.files.get(path.slice('/upload/v1/'.length));
      if (!file || request.method !== 'POST') return sendJson(response, 404, { ok: false, error: 'file_not_found' });
      file.bytes = await uploadedBytes(request, body);
      response.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${body.length}`);
      return;
    }
    if (path.startsWith('/files-pri/') && (request.method === 'GET' || request.method === 'HEAD')) return serveFile(store, request, response, path);
    if (path === '/scim/v2/Users' || path.startsWith('/scim/v2/Users/')) {
      const latency = faults.latencyMs();
      if (latency > 0) await sleep(latency);
      return scim.handle(request, response, path, url.searchParams, body, baseUrl);
    }
    if (path.startsWith('/_control/') && request.method === 'POST') {
      const action = CONTROL_ROUTES[path.slice('/_control/'.length)];
      if (!action) return sendJson(response, 404, { error: 'unknown control action' });
      let input: Record<string, unknown> = {};
      try {
        input = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        return sendJson(response, 400, { error: 'invalid JSON' });
      }
      try {
        const result = await action(httpDeps, typeof input === 'object' && input !== null ? input : {});
        return sendJson(response, 200, result ?? { ok: true });
      } catch (error) {
        // Control is a test tool: a malformed control request is the caller's mistake, answered 400 with the reason.
        return sendJson(response, 400, { error: error instanceof Error ? error.message : String(error) });
      }
    }
    if (path.startsWith('/_inspect/') && request.method === 'GET') {
      const result = inspectRoute(inspector, path.slice('/_inspect/'.length), url.searchParams);
      return result === undefined ? sendJson(response, 404, { error: 'unknown view' }) : sendJson(response, 200, result);
    }
    sendJson(response, 404, { ok: false, error: 'unknown_method' });
  }

  const persist = options.persist;
  const server = http.createServer((request, response) => {
    if (persist) answerOnceDurable(response, persist);
    route(request, response)
      .catch((error: unknown) => {
        if (response.headersSent) return;
        if (error instanceof ControlError) return sendJson(response, 400, { error: error.message });
        if (error instanceof SlackApiError) return sendJson(response, 200, { ok: false, error: error.code });
        // A bug, not bad input: say so loudly rather than pretend it is a Slack error.
        sendJson(response, 500, { ok: false, error: 'sandbox_bug', detail: String(error) });
      })
      .finally(() => inspector.recordRequest({ method: request.method ?? '', path: request.url ?? '', status: response.statusCode, at: Date.now() }));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${options.host ?? '127.0.0.1'}:${port}`;
  store.publicUrl = baseUrl;

  return {
    url: baseUrl,
    apiUrl: `${baseUrl}/api/`,
    port,
    state: store,
    control,
    inspect: inspector,
    seedDemo: (seedOptions) => seedOrg(demoOrganization(), seedOptions),
    seed: seedOrg,
    reset,
    setFaults: (f) => faults.set(f),
    setLimits: (l) => {
      limits = { ...limits, ...l };
      limiter.clear();
    },
    eventsIdle: () => deliverer.idle(),
    exportState: () => exportSlackState(store),
    stop: async () => {
      deliverer.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

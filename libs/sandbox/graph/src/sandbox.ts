import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type SeedOrganization, demoOrganization } from '@parley/sandbox-seed';
import { TokenRegistry } from './auth/token-registry';
import type { SandboxContext } from './context';
import { ControlApi } from './control/control-api';
import { type FaultSettings, Faults } from './control/faults';
import { Inspection } from './control/inspection';
import type { GraphRouter } from './http/call';
import { GraphDispatcher } from './http/graph-dispatcher';
import { createRequestHandler } from './http/request-handler';
import { Router } from './http/router';
import { type EvaluationUsage, admitEvaluationNotification, evaluationUsage } from './notifications/evaluation-meter';
import { Notifier, type NotifierOptions } from './notifications/notifier';
import { billingOf, purgeExpired } from './notifications/subscription-resource';
import { ValidationTokenSigner } from './notifications/validation-token';
import { registerBatch } from './resources/batch';
import { registerChats } from './resources/chats';
import { registerInvitations } from './resources/invitations';
import { messageRecord } from './resources/message-view';
import { registerSubscriptions } from './resources/subscriptions';
import { registerDrives } from './resources/drives';
import { registerTeams } from './resources/teams';
import { registerChannels } from './resources/channels';
import { registerUserUpdate } from './resources/user-update';
import { registerUsers } from './resources/users';
import { type SeededCredentials, seedOrganization } from './state/seed';
import { exportGraphState, type GraphState, restoreGraphState } from './state/snapshot';
import { Store } from './state/store';
import { answerOnceDurable } from './http/server';
import { Throttle } from './throttling/throttle';
import type { LimitsOptions } from './throttling/limits';
import { type SandboxCertificates, sandboxCertificates } from './tls/certificate-authority';

export interface GraphSandboxOptions {
  /** Default 0 (any free port). `npm run sandbox` uses 4020. */
  readonly port?: number;
  readonly host?: string;
  readonly limits?: LimitsOptions;
  readonly notifications?: NotifierOptions;
  /** Certificates to serve with (e.g. loaded from a runner's cache); default: generated once per process. */
  readonly certificates?: SandboxCertificates;
  /** Seed the demo organization at start (default false: call seedDemo() or seed()). */
  readonly seedDemo?: boolean;
  /** A state saved by `exportState()` (an earlier run): the sandbox starts with it instead of empty. */
  readonly restore?: GraphState;
  /**
   * Called when a request has been handled, before it is answered; the answer waits until it resolves. The runner
   * passes a writer that saves `exportState()` durably. Without it the sandbox lives in memory only.
   */
  readonly persist?: () => Promise<void>;
}

/** Read-only views for tests. */
export interface GraphSandboxInspect {
  emailsSent(): SandboxContext['inspection']['emails'];
  deliveries(): SandboxContext['inspection']['deliveries'];
  requests(): SandboxContext['inspection']['requests'];
  /** Turn request recording on (off by default, it costs throughput). */
  recordRequests(on: boolean): void;
  /** Graph API answers by HTTP status since start or the last `resetStatusCounts()` (inner $batch requests included). */
  statusCounts(): Record<number, number>;
  resetStatusCounts(): void;
  /** Messages of a chat or channel as Graph returns them (replies included), oldest first. */
  messages(place: { chatId: string } | { teamId: string; channelId: string }): Record<string, unknown>[];
  subscriptions(): { id: string; resource: string; changeType: string; expirationDateTime: string; notificationUrl: string; billing: string }[];
  /** Evaluation-mode use per app and tenant in the current "month" (tenant-wide subscriptions without ?model=). */
  evaluationUsage(): EvaluationUsage[];
  /** Resolves when no notification delivery is scheduled or in flight. */
  notificationsIdle(): Promise<void>;
  snapshot(): Record<string, unknown>;
}

export interface GraphSandbox {
  /** https://127.0.0.1:PORT */
  readonly url: string;
  /** url + '/v1.0' */
  readonly graphUrl: string;
  readonly port: number;
  /** The CA certificate clients must trust (PEM). */
  readonly caPem: string;
  /** Tenant ids of the current seed (customer, home); empty strings before seeding. */
  readonly tenants: { readonly customer: string; readonly home: string };
  /** The credentials of the current seed, undefined before seeding. */
  readonly credentials: SeededCredentials | undefined;
  readonly control: ControlApi;
  readonly inspect: GraphSandboxInspect;
  seedDemo(): SeededCredentials;
  seed(org: SeedOrganization): SeededCredentials;
  /** Forgets everything (state, tokens, throttling windows, faults, pending deliveries); seed again afterwards. */
  reset(): void;
  setFaults(faults: FaultSettings): void;
  setLimits(limits: LimitsOptions): void;
  /** The customer tenant's conditional-access switch: guests must do MFA (ROPC and refresh then fail). */
  setGuestMfaPolicy(required: boolean): void;
  /** The whole state as plain JSON, for `restore` after a restart (throttling windows and pending deliveries excluded). */
  exportState(): GraphState;
  stop(): Promise<void>;
}

export async function startGraphSandbox(options: GraphSandboxOptions = {}): Promise<GraphSandbox> {
  const certificates = options.certificates ?? sandboxCertificates();
  const store = new Store();
  const faults = new Faults();
  const inspection = new Inspection();
  const throttle = new Throttle(options.limits);
  let baseUrl = '';
  const signer = new ValidationTokenSigner(certificates.serverKeyPem);
  const notifier = new Notifier(
    () => store.subscriptions,
    faults,
    inspection,
    () => throttle.scale,
    {
      validationTimeoutMs: 10_000,
      deliveryTimeoutMs: 3_000,
      maxAttempts: 5,
      retryBaseMs: 1_000,
      reauthorizationGraceMs: 60_000,
      ...options.notifications,
    },
    signer,
    (subscription) => admitEvaluationNotification(store, throttle, subscription),
  );
  const context: SandboxContext = { store, tokens: new TokenRegistry(), throttle, faults, notifier, inspection, signer, baseUrl: () => baseUrl };

  const router: GraphRouter = new Router();
  const dispatcher = new GraphDispatcher(context, router);
  registerBatch(router, () => (request) => dispatcher.dispatch(request));
  registerUsers(router);
  registerUserUpdate(router);
  registerInvitations(router);
  registerChats(router);
  registerTeams(router);
  registerChannels(router);
  registerSubscriptions(router);
  registerDrives(router);

  const control = new ControlApi(context);
  let credentials: SeededCredentials | undefined = options.restore ? restoreGraphState(store, context.tokens, options.restore) : undefined;
  const tenants = { customer: credentials?.customerTenantId ?? '', home: credentials?.homeTenantId ?? '' };

  const inspect: GraphSandboxInspect = {
    emailsSent: () => inspection.emails,
    deliveries: () => inspection.deliveries,
    requests: () => inspection.requests,
    statusCounts: () => Object.fromEntries(inspection.statusCounts),
    resetStatusCounts: () => inspection.statusCounts.clear(),
    recordRequests: (on) => {
      inspection.recordRequests = on;
    },
    messages: (place) => {
      const key = 'chatId' in place ? `chat:${place.chatId}` : `channel:${place.teamId}:${place.channelId}`;
      return [...(store.messages.get(key)?.values() ?? [])].sort((a, b) => Number(a.id) - Number(b.id)).map((m) => messageRecord(store, m));
    },
    subscriptions: () => {
      purgeExpired(store.subscriptions);
      return [...store.subscriptions.values()].map((s) => ({
        id: s.id,
        resource: s.resource,
        changeType: s.changeTypes.join(','),
        expirationDateTime: s.expirationDateTime,
        notificationUrl: s.notificationUrl,
        billing: billingOf(s),
      }));
    },
    evaluationUsage: () => evaluationUsage(store, throttle),
    notificationsIdle: () => notifier.idle(),
    snapshot: () => ({
      tenants: [...store.tenants.values()],
      users: store.users.size,
      chats: store.chats.size,
      teams: store.teams.size,
      messages: [...store.messages.values()].reduce((n, box) => n + box.size, 0),
      subscriptions: inspect.subscriptions(),
      evaluationUsage: inspect.evaluationUsage(),
      emailsSent: inspection.emails.length,
      deliveries: inspection.deliveries.length,
      faults: faults.current,
    }),
  };

  const handler = createRequestHandler(context, dispatcher, control, () => inspect.snapshot());
  const persist = options.persist;
  const server = createServer({ key: certificates.serverKeyPem, cert: certificates.serverCertPem, keepAlive: true }, (request, response) => {
    if (persist) answerOnceDurable(response, persist);
    return handler(request, response);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `https://127.0.0.1:${port}`;

  const seed = (org: SeedOrganization): SeededCredentials => {
    credentials = seedOrganization(store, org);
    tenants.customer = credentials.customerTenantId;
    tenants.home = credentials.homeTenantId;
    return credentials;
  };
  if (options.seedDemo) seed(demoOrganization());

  return {
    url: baseUrl,
    graphUrl: `${baseUrl}/v1.0`,
    port,
    caPem: certificates.caPem,
    tenants,
    get credentials() {
      return credentials;
    },
    control,
    inspect,
    seedDemo: () => seed(demoOrganization()),
    seed,
    reset: () => {
      store.clear();
      context.tokens.clear();
      throttle.reset();
      faults.reset();
      inspection.clear();
      notifier.clear();
      credentials = undefined;
      tenants.customer = '';
      tenants.home = '';
    },
    exportState: () => exportGraphState(store, context.tokens, credentials),
    setFaults: (settings) => faults.set(settings),
    setLimits: (limits) => throttle.configure(limits),
    setGuestMfaPolicy: (required) => {
      if (!tenants.customer) throw new Error('Seed the sandbox first.');
      control.setGuestMfaPolicy({ tenantId: tenants.customer, required });
    },
    stop: async () => {
      notifier.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

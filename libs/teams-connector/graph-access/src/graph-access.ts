import type { Dispatcher } from 'undici';
import type { SlidingWindowLimiter } from '@parley/cache';
import type { TeamsSettings } from '@parley/internal-api';
import type { GraphAccessConfig } from './config';
import { GraphApi, type AccessTokenSource, type RetrySettings } from './graph/graph-api';
import type { GraphMetrics } from './graph/graph-metrics';
import { SdkGraphTransport } from './graph/transport';
import type { IdentityAccess, TokenSubject } from './identity/identity-access';
import type { GraphPrincipal } from './pacing/classify';
import { GraphPacer } from './pacing/pacer';

export interface GraphAccessDependencies {
  readonly identity: IdentityAccess;
  /** The shared pacing windows: `CacheBackend.slidingWindow` (Redis in distributed mode). */
  readonly windowLimiter: SlidingWindowLimiter;
  readonly config: GraphAccessConfig;
  readonly metrics?: GraphMetrics;
  /** An undici dispatcher for Graph and token endpoint calls (tests trusting a sandbox CA); default: global fetch's. */
  readonly dispatcher?: Dispatcher;
}

/** Graph as one stored connection's subjects: the app in either tenant, the team owner, a person. */
export class ConnectionGraph {
  constructor(
    private readonly access: GraphAccess,
    readonly orgId: string,
    readonly connectionId: string,
    readonly settings: TeamsSettings,
  ) {}

  /** The app (client credentials) in the customer tenant or in Parley's home tenant. */
  app(tenant: 'customer' | 'home'): GraphApi {
    const tenantId = tenant === 'customer' ? this.settings.tenantId : this.settings.homeTenantId;
    return this.api({ kind: 'app', tenant }, { tenantId, clientId: this.settings.clientId });
  }

  /** The teams' owner (delegated): Graph adds guests to a team only with a delegated token. */
  teamOwner(retry: Partial<RetrySettings> = {}): GraphApi {
    return this.api({ kind: 'team-owner' }, { tenantId: this.settings.tenantId, clientId: this.settings.clientId, user: 'team-owner' }, retry);
  }

  /**
   * A person as Parley speaks for them in the customer tenant (delegated: their guest, or their own consented account).
   * Requests throw NeedsAttentionError when identity cannot sign in as them.
   */
  person(personId: string, retry: Partial<RetrySettings> = {}): GraphApi {
    return this.api({ kind: 'person', personId }, { tenantId: this.settings.tenantId, clientId: this.settings.clientId, user: `person:${personId}` }, retry);
  }

  /**
   * Asks identity to sign in as a person (for a guest: ROPC with its home account); throws NeedsAttentionError when it
   * cannot. Never answered from the cache: the point is identity signing in now and keeping what it gets.
   */
  async signInAs(personId: string): Promise<void> {
    const subject = { kind: 'person', personId } as const;
    this.access.identity.invalidateToken(this.orgId, this.connectionId, subject);
    await this.access.identity.accessToken(this.orgId, this.connectionId, subject);
  }

  private api(subject: TokenSubject, principal: GraphPrincipal, retry: Partial<RetrySettings> = {}): GraphApi {
    const { identity } = this.access;
    const token: AccessTokenSource = {
      get: () => identity.accessToken(this.orgId, this.connectionId, subject),
      invalidate: () => identity.invalidateToken(this.orgId, this.connectionId, subject),
    };
    return this.access.api(this.settings.graphUrl, principal, token, retry);
  }
}

/** Makes paced, retrying Graph clients: for stored connections (tokens from identity) or for a token in hand. */
export class GraphAccess {
  readonly pacer: GraphPacer;
  readonly retry: RetrySettings;

  constructor(private readonly deps: GraphAccessDependencies) {
    this.pacer = new GraphPacer(deps.windowLimiter, deps.config.pacing);
    this.retry = { maxAttempts: deps.config.maxAttempts, timeScale: deps.config.pacing.timeScale, maxWaitMs: deps.config.maxRetryWaitMs };
  }

  get identity(): IdentityAccess {
    return this.deps.identity;
  }

  get dispatcher(): Dispatcher | undefined {
    return this.deps.dispatcher;
  }

  get metrics(): GraphMetrics | undefined {
    return this.deps.metrics;
  }

  async forConnection(orgId: string, connectionId: string): Promise<ConnectionGraph> {
    const settings = await this.deps.identity.connection(orgId, connectionId);
    return new ConnectionGraph(this, orgId, connectionId, settings);
  }

  /** Graph with a token obtained elsewhere (checking credentials before they are stored). */
  withToken(graphUrl: string, principal: GraphPrincipal, accessToken: string, retry: Partial<RetrySettings> = {}): GraphApi {
    return this.api(graphUrl, principal, { get: async () => accessToken, invalidate: () => undefined }, retry);
  }

  api(graphUrl: string, principal: GraphPrincipal, token: AccessTokenSource, retry: Partial<RetrySettings> = {}): GraphApi {
    return new GraphApi({
      transport: new SdkGraphTransport({ graphUrl, accessToken: () => token.get(), dispatcher: this.deps.dispatcher }),
      principal,
      token,
      pacer: this.pacer,
      retry: { ...this.retry, ...retry },
      metrics: this.deps.metrics,
    });
  }
}

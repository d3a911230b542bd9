import type { Provider } from '@nestjs/common';
import type { Dispatcher } from 'undici';
import type { CacheBackend } from '@parley/cache';
import type { ServiceMetrics } from '@parley/observability';
import { CACHE, INTERNAL_API, METRICS, SERVICE_CONFIG, type InternalApiAccess } from '@parley/service-runtime';
import { GraphAccess, GraphMetrics, IdentityAccess, graphAccessConfig, type GraphAccessConfig } from '@parley/teams-connector-graph-access';
import { TeamMembershipAggregator } from './guests/team-membership';
import type { TeamsIngressConfig } from './ingress/ingress-config';
import type { ChatMessageObserver } from './relay/chat-message-observer';

export const GRAPH_ACCESS = Symbol('GRAPH_ACCESS');
export const TEAMS_CONNECTOR_OPTIONS = Symbol('TEAMS_CONNECTOR_OPTIONS');

/** What embedded launchers and tests may set in code; distributed mode leaves both to the environment. */
export interface TeamsConnectorOptions {
  /** An undici dispatcher for Graph and token endpoint calls, e.g. one trusting a sandbox's CA. */
  readonly dispatcher?: Dispatcher;
  /** Overrides the `teamsConnector` config section (PARLEY_GRAPH_* variables). */
  readonly config?: GraphAccessConfig;
  /** Overrides the `teamsIngress` config section (PARLEY_TEAMS_* variables): public URL, certificates, timings. */
  readonly ingress?: TeamsIngressConfig;
  /** What ingress hands chat messages to, given as an instance (tests; an embedded launcher may too). */
  readonly chatMessageObserver?: ChatMessageObserver;
}

export const graphAccessProvider: Provider = {
  provide: GRAPH_ACCESS,
  inject: [INTERNAL_API, CACHE, METRICS, SERVICE_CONFIG, TEAMS_CONNECTOR_OPTIONS],
  useFactory: (internalApi: InternalApiAccess, cache: CacheBackend, metrics: ServiceMetrics, serviceConfig: Readonly<Record<string, unknown>>, options: TeamsConnectorOptions) =>
    new GraphAccess({
      identity: new IdentityAccess(internalApi),
      windowLimiter: cache.slidingWindow,
      config: options.config ?? (serviceConfig['teamsConnector'] as GraphAccessConfig | undefined) ?? graphAccessConfig(),
      metrics: new GraphMetrics(metrics.registry, metrics.platform),
      dispatcher: options.dispatcher,
    }),
};

/** One aggregator per process: concurrent guest commands for the same team share its members/add requests. */
export const teamMembershipProvider: Provider = {
  provide: TeamMembershipAggregator,
  inject: [GRAPH_ACCESS],
  useFactory: (graph: GraphAccess) => {
    const perTeam = graph.pacer.spec('perTeam');
    return new TeamMembershipAggregator({ onFlush: (members) => graph.metrics?.membersPerAdd.observe(members), spacingMs: perTeam.windowMs / perTeam.limit });
  },
};

import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import type { Logger, ServiceMetrics } from '@parley/observability';
import { DedicatedPool } from '@parley/persistence';
import { DATA_SOURCE, INTERNAL_API, LOGGER, METRICS, SERVICE_CONFIG, type InternalApiAccess } from '@parley/service-runtime';
import type { GraphAccess } from '@parley/teams-connector-graph-access';
import { GRAPH_ACCESS, TEAMS_CONNECTOR_OPTIONS, type TeamsConnectorOptions } from '../graph.providers';
import { ChannelCatchUp } from '../channels/channel-catch-up';
import { LinkedChannels } from '../channels/linked-channels';
import { ChatMessageObserver } from '../relay/chat-message-observer';
import { CatchUp } from './catch-up';
import { graphChatReadBack } from './chat-read-back';
import { teamsIngressConfig, type TeamsIngressConfig } from './ingress-config';
import { NotificationInbox } from './notification-inbox';
import { NotificationIntake } from './notification-intake';
import { NotificationKeySource } from './notification-key-source';
import { SubscriptionManager } from './subscription-manager';
import { SubscriptionStore } from './subscription-store';
import { ValidationTokenVerifier } from './validation-tokens';

export const TEAMS_INGRESS_CONFIG = Symbol('TEAMS_INGRESS_CONFIG');

/**
 * The notification endpoint's own connections (ADR 0052): its subscription reads and its inbox writes, two group
 * commits and one batched read at a time.
 */
export const TEAMS_INTAKE_POOL_SIZE = 3;

/** The pool the endpoint stores notifications through before its 202, closed with the application. */
export class TeamsIntakePool extends DedicatedPool {}

/**
 * The module's ChatMessageObserver, looked up when first needed (not strict: the relay side registers it in the same
 * module). None registered: notifications are answered 503 (Graph retries) and catch-up keeps its watermark.
 */
function observerLookup(moduleRef: ModuleRef): () => ChatMessageObserver | null {
  let found: ChatMessageObserver | null = null;
  return () => {
    if (found) return found;
    try {
      found = moduleRef.get(ChatMessageObserver, { strict: false });
    } catch {
      found = null;
    }
    return found;
  };
}

/**
 * Where catch-up hands what it finds: the notification inbox (ADR 0043), so a conversation's messages go to the relay
 * side in the order they were written whichever way Parley learned of them. Looked up when first needed.
 */
function inboxLookup(moduleRef: ModuleRef): () => Pick<ChatMessageObserver, 'observe'> | null {
  return () => moduleRef.get(NotificationInbox, { strict: false }).asObserver();
}

/** Starts and stops the subscription upkeep and the notification inbox with the application. */
@Injectable()
export class IngressLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(SubscriptionManager) private readonly manager: SubscriptionManager,
    @Inject(NotificationInbox) private readonly inbox: NotificationInbox,
  ) {}

  onApplicationBootstrap(): void {
    this.manager.start();
    this.inbox.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.manager.stop();
    await this.inbox.stop();
  }
}

export const ingressProviders: Provider[] = [
  {
    provide: TeamsIntakePool,
    inject: [DATA_SOURCE],
    useFactory: (dataSource: DataSource) => TeamsIntakePool.open(dataSource, 'teams-intake', TEAMS_INTAKE_POOL_SIZE),
  },
  {
    provide: TEAMS_INGRESS_CONFIG,
    inject: [SERVICE_CONFIG, TEAMS_CONNECTOR_OPTIONS],
    useFactory: (serviceConfig: Readonly<Record<string, unknown>>, options: TeamsConnectorOptions): TeamsIngressConfig =>
      options.ingress ?? (serviceConfig['teamsIngress'] as TeamsIngressConfig | undefined) ?? teamsIngressConfig(),
  },
  { provide: SubscriptionStore, inject: [DATA_SOURCE], useFactory: (dataSource: DataSource) => new SubscriptionStore(dataSource) },
  {
    provide: NotificationKeySource,
    inject: [TEAMS_INGRESS_CONFIG, INTERNAL_API, LOGGER],
    useFactory: (config: TeamsIngressConfig, internalApi: InternalApiAccess, logger: Logger) =>
      new NotificationKeySource(internalApi, config.notificationKeyMaxAgeMs, logger.child({ component: 'teams-notification-keys' })),
  },
  {
    provide: ValidationTokenVerifier,
    inject: [TEAMS_INGRESS_CONFIG, TEAMS_CONNECTOR_OPTIONS],
    useFactory: (config: TeamsIngressConfig, options: TeamsConnectorOptions) => new ValidationTokenVerifier(config.tokens, options.dispatcher),
  },
  {
    provide: CatchUp,
    inject: [TEAMS_INGRESS_CONFIG, SubscriptionStore, GRAPH_ACCESS, ModuleRef, LOGGER],
    useFactory: (config: TeamsIngressConfig, store: SubscriptionStore, graph: GraphAccess, moduleRef: ModuleRef, logger: Logger) =>
      new CatchUp(config, store, graph, inboxLookup(moduleRef), logger.child({ component: 'teams-catch-up' })),
  },
  { provide: LinkedChannels, inject: [DATA_SOURCE], useFactory: (dataSource: DataSource) => new LinkedChannels(dataSource) },
  {
    provide: ChannelCatchUp,
    inject: [TEAMS_INGRESS_CONFIG, LinkedChannels, GRAPH_ACCESS, ModuleRef, LOGGER],
    useFactory: (config: TeamsIngressConfig, channels: LinkedChannels, graph: GraphAccess, moduleRef: ModuleRef, logger: Logger) =>
      new ChannelCatchUp(config, channels, graph, inboxLookup(moduleRef), logger.child({ component: 'teams-channel-catch-up' })),
  },
  {
    provide: SubscriptionManager,
    inject: [TEAMS_INGRESS_CONFIG, SubscriptionStore, NotificationKeySource, GRAPH_ACCESS, INTERNAL_API, CatchUp, LOGGER, LinkedChannels, ChannelCatchUp],
    useFactory: (
      config: TeamsIngressConfig,
      store: SubscriptionStore,
      keys: NotificationKeySource,
      graph: GraphAccess,
      internalApi: InternalApiAccess,
      catchUp: CatchUp,
      logger: Logger,
      channels: LinkedChannels,
      channelCatchUp: ChannelCatchUp,
    ) => new SubscriptionManager(config, store, keys, graph, internalApi, catchUp, logger.child({ component: 'teams-subscriptions' }), channels, channelCatchUp),
  },
  {
    provide: NotificationInbox,
    inject: [DATA_SOURCE, ModuleRef, TEAMS_INGRESS_CONFIG, LOGGER, METRICS, GRAPH_ACCESS, TeamsIntakePool],
    useFactory: (dataSource: DataSource, moduleRef: ModuleRef, config: TeamsIngressConfig, logger: Logger, metrics: ServiceMetrics, graph: GraphAccess, intake: TeamsIntakePool) =>
      new NotificationInbox(
        dataSource,
        observerLookup(moduleRef),
        config.inbox,
        logger.child({ component: 'teams-notification-inbox' }),
        metrics.registry,
        config.inbox.readBack ? graphChatReadBack(graph) : undefined,
        intake.dataSource,
      ),
  },
  {
    provide: NotificationIntake,
    inject: [TeamsIntakePool, NotificationKeySource, ValidationTokenVerifier, NotificationInbox, LOGGER, SubscriptionManager],
    useFactory: (intake: TeamsIntakePool, keys: NotificationKeySource, tokens: ValidationTokenVerifier, inbox: NotificationInbox, logger: Logger, manager: SubscriptionManager) =>
      new NotificationIntake(new SubscriptionStore(intake.dataSource), keys, tokens, inbox, logger.child({ component: 'teams-ingress' }), () => manager.poke()),
  },
  IngressLifecycle,
];

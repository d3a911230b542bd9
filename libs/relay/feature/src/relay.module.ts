import { Module } from '@nestjs/common';
import type { ServiceMetrics } from '@parley/observability';
import { METRICS, SERVICE_CONFIG } from '@parley/service-runtime';
import { RELAY_CONFIG, resolveRelayConfig } from './config';
import { ChannelLinks } from './channels/channel-links';
import { ChannelLinksController } from './http/channel-links.controller';
import { ConversationsController } from './http/conversations.controller';
import { RelaySettingsController } from './http/relay-settings.controller';
import { RelaySettings } from './settings/relay-settings';
import { ConversationsReader } from './http/conversations-reader';
import { RelayMetrics } from './metrics/relay-metrics';
import { RelayDirectory } from './people/relay-directory';
import { DeliveryDeadlines } from './relaying/delivery-deadlines';
import { DeliveryOutcomes } from './relaying/delivery-outcomes';
import { LaneDispatcher } from './relaying/lane-dispatcher';
import { MessageRelay } from './relaying/message-relay';
import { RelayEventsHandler } from './relaying/relay-events.handler';
import { ReactionEventsHandler } from './relaying/reaction-events.handler';
import { ReactionRelay } from './relaying/reaction-relay';

/**
 * Relay: DMs, group DMs and linked channels carried between Slack and Teams. Consumes what the connectors saw and what they delivered,
 * keeps twins, links and delivery states (never bodies), and answers the admin's reads. Health, readiness, metrics and
 * the bus come from the runtime.
 */
@Module({
  controllers: [RelayEventsHandler, ReactionEventsHandler, ConversationsController, ChannelLinksController, RelaySettingsController],
  providers: [
    { provide: RELAY_CONFIG, useFactory: (config: Readonly<Record<string, unknown>>) => resolveRelayConfig(config), inject: [SERVICE_CONFIG] },
    { provide: RelayMetrics, useFactory: (metrics: ServiceMetrics) => new RelayMetrics(metrics.registry), inject: [METRICS] },
    RelayDirectory,
    LaneDispatcher,
    MessageRelay,
    ReactionRelay,
    DeliveryOutcomes,
    DeliveryDeadlines,
    ConversationsReader,
    ChannelLinks,
    RelaySettings,
  ],
})
export class RelayModule {}

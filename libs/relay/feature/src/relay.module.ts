import { Module } from '@nestjs/common';
import { problemDetailsFilter } from '@parley/service-runtime';
import { ConversationsController } from './http/conversations.controller';
import { ConversationsReader } from './http/conversations-reader';
import { RelayDirectory } from './people/relay-directory';
import { DeliveryOutcomes } from './relaying/delivery-outcomes';
import { LaneDispatcher } from './relaying/lane-dispatcher';
import { MessageRelay } from './relaying/message-relay';
import { RelayEventsHandler } from './relaying/relay-events.handler';
import { ReactionEventsHandler } from './relaying/reaction-events.handler';
import { ReactionRelay } from './relaying/reaction-relay';

/**
 * Relay: DMs and group DMs carried between Slack and Teams. Consumes what the connectors saw and what they delivered,
 * keeps twins, links and delivery states (never bodies), and answers the admin's reads. Health, readiness, metrics and
 * the bus come from the runtime.
 */
@Module({
  controllers: [RelayEventsHandler, ReactionEventsHandler, ConversationsController],
  providers: [
    RelayDirectory,
    LaneDispatcher,
    MessageRelay,
    ReactionRelay,
    DeliveryOutcomes,
    ConversationsReader,
    // Registered after the runtime's RethrowRpcFilter, so Nest tries it first; it passes bus errors through too.
    problemDetailsFilter({ genericDetails: { 401: 'Internal API: send the internal token as `Authorization: Bearer <token>`.' } }),
  ],
})
export class RelayModule {}

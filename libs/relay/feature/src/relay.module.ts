import { Module } from '@nestjs/common';
import { ConversationsController } from './http/conversations.controller';
import { ConversationsReader } from './http/conversations-reader';
import { RelayDirectory } from './people/relay-directory';
import { DeliveryOutcomes } from './relaying/delivery-outcomes';
import { LaneDispatcher } from './relaying/lane-dispatcher';
import { MessageRelay } from './relaying/message-relay';
import { RelayEventsHandler } from './relaying/relay-events.handler';

/**
 * Relay: DMs and group DMs carried between Slack and Teams. Consumes what the connectors saw and what they delivered,
 * keeps twins, links and delivery states (never bodies), and answers the admin's reads. Health, readiness, metrics and
 * the bus come from the runtime.
 */
@Module({
  controllers: [RelayEventsHandler, ConversationsController],
  providers: [
    RelayDirectory,
    LaneDispatcher,
    MessageRelay,
    DeliveryOutcomes,
    ConversationsReader,
  ],
})
export class RelayModule {}

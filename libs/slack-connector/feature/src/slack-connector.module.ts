import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, SERVICE_CONFIG } from '@parley/service-runtime';
import { resolveSlackConnectorConfig, SLACK_CONNECTOR_CONFIG } from './config';
import { SlackClients } from './connections/slack-clients';
import { SlackConnections } from './connections/slack-connections';
import { DirectoryImportHandler } from './directory/directory-import.handler';
import { DirectoryImporter } from './directory/directory-importer';
import { MirrorHandler } from './mirrors/mirror.handler';
import { MirrorService } from './mirrors/mirror-service';
import { ConnectionVerifier } from './verify/connection-verifier';
import { VerifyController } from './verify/verify.controller';
import { SlackUserTokens } from './connections/slack-user-tokens';
import { PostedMessages } from './delivery/posted-messages';
import { Deliveries } from './delivery/deliveries';
import { DeliveryHandler } from './delivery/delivery.handler';
import { MessageDelivery } from './delivery/message-delivery';
import { ReactionDelivery } from './delivery/reaction-delivery';
import { ReactionHandler } from './delivery/reaction.handler';
import { NoticeHandler } from './notices/notice.handler';
import { NoticePoster } from './notices/notice-poster';
import { InboundEvents } from './events/inbound-events';
import { SLACK_INTAKE_POOL_SIZE, SlackIntakePool } from './events/intake-pool';
import { SlackEventIngressController } from './events/slack-event-ingress.controller';
import { SlackEventProcessor } from './events/slack-event-processor';
import { ChannelLinkHandler } from './channels/channel-link.handler';
import { ChannelLinks } from './channels/channel-links';
import { ChannelsController } from './channels/channels.controller';
import { SlackChannels } from './channels/slack-channels';
import { FilesController } from './files/files.controller';
import { SlackFileContent } from './files/slack-file-content';
import { FileShare } from './delivery/file-share';

/**
 * Slack connector: the only service that calls Slack. Verifies Slack connections (internal HTTP), imports the
 * workspace directory and creates or deactivates mirrors of Teams people (bus commands), receives the Events API
 * (the relay's Slack ingress) and posts, edits and deletes relayed messages and notices; for Channel Sync it describes,
 * creates and joins linked channels and relays only the linked ones. Health, readiness, metrics
 * and the bus come from the runtime.
 */
@Module({
  controllers: [VerifyController, DirectoryImportHandler, MirrorHandler, SlackEventIngressController, DeliveryHandler, ReactionHandler, NoticeHandler, ChannelsController, ChannelLinkHandler, FilesController],
  providers: [
    { provide: SLACK_CONNECTOR_CONFIG, useFactory: (config: Readonly<Record<string, unknown>>) => resolveSlackConnectorConfig(config), inject: [SERVICE_CONFIG] },
    SlackClients,
    SlackConnections,
    ConnectionVerifier,
    DirectoryImporter,
    MirrorService,
    SlackUserTokens,
    PostedMessages,
    { provide: SlackIntakePool, inject: [DATA_SOURCE], useFactory: (dataSource: DataSource) => SlackIntakePool.open(dataSource, 'slack-intake', SLACK_INTAKE_POOL_SIZE) },
    InboundEvents,
    SlackEventProcessor,
    Deliveries,
    MessageDelivery,
    ReactionDelivery,
    NoticePoster,
    SlackChannels,
    ChannelLinks,
    SlackFileContent,
    FileShare,
  ],
})
export class SlackConnectorModule {}

import { Module, type DynamicModule } from '@nestjs/common';
import { ChannelLinkHandler } from './channels/channel-link.handler';
import { ChannelsController } from './channels/channels.controller';
import { TeamsChannels } from './channels/teams-channels';
import { DirectoryImportHandler } from './directory/directory-import.handler';
import { DirectoryImporter } from './directory/directory-importer';
import { graphAccessProvider, TEAMS_CONNECTOR_OPTIONS, teamMembershipProvider, type TeamsConnectorOptions } from './graph.providers';
import { FileCarrier } from './files/file-carrier';
import { TeamsFileContent } from './files/file-content';
import { FilesController } from './files/files.controller';
import { GuestHandler } from './guests/guest.handler';
import { GuestProvisioner } from './guests/guest-provisioner';
import { ingressProviders } from './ingress/ingress.providers';
import { NotificationController } from './ingress/notification.controller';
import { ChatMessageObserver } from './relay/chat-message-observer';
import { InFlightPosts } from './relay/in-flight-posts';
import { MessageDeliverer } from './relay/message-deliverer';
import { NoticePoster } from './relay/notice-poster';
import { TeamsRelayHandler } from './relay/relay.handler';
import { ReactionDeliverer } from './relay/reaction-deliverer';
import { TeamsReactionHandler } from './relay/reaction.handler';
import { TeamsMessageIngest } from './relay/teams-message-ingest';
import { TeamsReactionIngest } from './relay/teams-reaction-ingest';
import { ConnectionVerifier } from './verify/connection-verifier';
import { VerifyController } from './verify/verify.controller';

/**
 * Teams connector: everything that speaks Microsoft Graph. Verifies Teams connections for the gateway, imports the
 * tenant's directory, creates and disables guests, pacing every call under Graph's documented limits, and learns
 * about chat messages (change notifications, subscriptions, catch-up) for a ChatMessageObserver registered here.
 * Health, readiness, metrics and the bus come from the runtime.
 */
@Module({})
export class TeamsConnectorFeatureModule {
  static register(options: TeamsConnectorOptions = {}): DynamicModule {
    return {
      module: TeamsConnectorFeatureModule,
      controllers: [VerifyController, DirectoryImportHandler, GuestHandler, TeamsRelayHandler, TeamsReactionHandler, NotificationController, ChannelsController, ChannelLinkHandler, FilesController],
      providers: [
        { provide: TEAMS_CONNECTOR_OPTIONS, useValue: options },
        graphAccessProvider,
        teamMembershipProvider,
        ConnectionVerifier,
        TeamsChannels,
        TeamsFileContent,
        FileCarrier,
        DirectoryImporter,
        GuestProvisioner,
        InFlightPosts,
        TeamsReactionIngest,
        TeamsMessageIngest,
        MessageDeliverer,
        ReactionDeliverer,
        NoticePoster,
        ...ingressProviders,
        // Teams ingress hands every chat message observation to this seam: the relay side, unless a test records them.
        options.chatMessageObserver ? { provide: ChatMessageObserver, useValue: options.chatMessageObserver } : { provide: ChatMessageObserver, useExisting: TeamsMessageIngest },
      ],
      exports: [ChatMessageObserver],
    };
  }
}

/** The connector as distributed mode runs it: configuration from the environment (PARLEY_GRAPH_*). */
@Module({ imports: [TeamsConnectorFeatureModule.register()] })
export class TeamsConnectorModule {}

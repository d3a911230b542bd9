import { z } from 'zod';
import type { TopicDefinition } from './topic';
import { OrganizationCreatedV1 } from './topics/organization/organization-created.v1';
import { SyncRequestedV1 } from './topics/provisioning/sync-requested.v1';
import { ProvisioningCommandDeadLetteredV1 } from './topics/provisioning/command-dead-lettered.v1';
import { SlackDirectoryImportRequestedV1, TeamsDirectoryImportRequestedV1 } from './topics/directory/import-requested.v1';
import { DirectoryUserObservedV1 } from './topics/directory/user-observed.v1';
import { DirectoryImportCompletedV1, DirectoryImportFailedV1, DirectoryPeopleAppliedV1, DirectoryReconciledV1 } from './topics/directory/import-results.v1';
import {
  TeamsGuestCreateRequestedV1,
  TeamsGuestCreatedV1,
  TeamsGuestDisabledV1,
  TeamsGuestDisableRequestedV1,
  TeamsGuestFailedV1,
} from './topics/teams/guest.v1';
import {
  SlackMirrorCreatedV1,
  SlackMirrorCreateRequestedV1,
  SlackMirrorDeactivatedV1,
  SlackMirrorDeactivateRequestedV1,
  SlackMirrorFailedV1,
} from './topics/slack/mirror.v1';
import {
  MessageDeliveredV1,
  MessageReceivedV1,
  SlackMessageDeliverRequestedV1,
  TeamsMessageDeliverRequestedV1,
} from './topics/message/message.v1';
import { SlackNoticeRequestedV1, TeamsNoticeRequestedV1 } from './topics/message/notice.v1';
import {
  ReactionDeliveredV1,
  ReactionObservedV1,
  SlackReactionDeliverRequestedV1,
  TeamsReactionDeliverRequestedV1,
} from './topics/message/reaction.v1';
import { DeadLetterV1 } from './topics/messaging/dead-letter.v1';
import { ChannelLinkChangedV1 } from './topics/channel/channel-link.v1';
import { MessageDeliveredV2, MessageReceivedV2, SlackMessageDeliverRequestedV2, TeamsMessageDeliverRequestedV2 } from './topics/message/message.v2';
import { IdentityAccountRecordedV1 } from './topics/identity/account-recorded.v1';

const definitions = [
  OrganizationCreatedV1,
  SyncRequestedV1,
  SlackDirectoryImportRequestedV1,
  TeamsDirectoryImportRequestedV1,
  DirectoryUserObservedV1,
  DirectoryImportCompletedV1,
  DirectoryImportFailedV1,
  DirectoryReconciledV1,
  DirectoryPeopleAppliedV1,
  TeamsGuestCreateRequestedV1,
  TeamsGuestCreatedV1,
  TeamsGuestFailedV1,
  TeamsGuestDisableRequestedV1,
  TeamsGuestDisabledV1,
  SlackMirrorCreateRequestedV1,
  SlackMirrorCreatedV1,
  SlackMirrorFailedV1,
  SlackMirrorDeactivateRequestedV1,
  SlackMirrorDeactivatedV1,
  ProvisioningCommandDeadLetteredV1,
  IdentityAccountRecordedV1,
  MessageReceivedV1,
  TeamsMessageDeliverRequestedV1,
  SlackMessageDeliverRequestedV1,
  MessageDeliveredV1,
  MessageReceivedV2,
  TeamsMessageDeliverRequestedV2,
  SlackMessageDeliverRequestedV2,
  MessageDeliveredV2,
  SlackNoticeRequestedV1,
  TeamsNoticeRequestedV1,
  ReactionObservedV1,
  TeamsReactionDeliverRequestedV1,
  SlackReactionDeliverRequestedV1,
  ReactionDeliveredV1,
  ChannelLinkChangedV1,
  DeadLetterV1,
] as const;

type Definitions = (typeof definitions)[number];

/** The one list of topics: name -> definition. Anything not here cannot be published or consumed. */
export type TopicCatalog = { [D in Definitions as D['name']]: D };
export const topicCatalog = Object.fromEntries(definitions.map((d) => [d.name, d])) as unknown as TopicCatalog;

export type TopicName = keyof TopicCatalog;
/** The payload a producer hands over (before defaults and normalisation). */
export type PayloadIn<T extends TopicName> = z.input<TopicCatalog[T]['schema']>;
/** The payload a consumer receives (validated and normalised). */
export type Payload<T extends TopicName> = z.output<TopicCatalog[T]['schema']>;

export const topicNames = definitions.map((d) => d.name) as TopicName[];
export const DEAD_LETTER_TOPIC = DeadLetterV1.name;

export function isTopicName(value: string): value is TopicName {
  return Object.prototype.hasOwnProperty.call(topicCatalog, value);
}

export function topicDefinition<T extends TopicName>(topic: T): TopicCatalog[T] {
  const definition = topicCatalog[topic];
  if (!definition) throw new Error(`unknown topic ${topic}`);
  return definition;
}

export function allTopicDefinitions(): readonly TopicDefinition[] {
  return definitions as unknown as readonly TopicDefinition[];
}

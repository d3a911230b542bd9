export { defineTopic, TOPIC_NAME, type TopicDefinition } from './topic';
export { email, nonEmpty, normalizeEmail, orgId, platform, timestamp, uuid, type Platform } from './primitives';
export {
  allTopicDefinitions,
  DEAD_LETTER_TOPIC,
  isTopicName,
  topicCatalog,
  topicDefinition,
  topicNames,
  type Payload,
  type PayloadIn,
  type TopicCatalog,
  type TopicName,
} from './catalog';
export {
  ContractViolation,
  decodeMessage,
  encodeMessage,
  parsePayload,
  partitionKey,
  type DecodedMessage,
  type EncodedMessage,
  type EventMeta,
} from './validation';
export { MessageHeader, type MessageHeaders } from './headers';
export { exportJsonSchemas } from './json-schema';
export * from './topics/organization/organization-created.v1';
export * from './topics/provisioning/sync-requested.v1';
export * from './topics/provisioning/command-dead-lettered.v1';
export * from './topics/directory/import-requested.v1';
export * from './topics/directory/user-observed.v1';
export * from './topics/directory/import-results.v1';
export * from './topics/teams/guest.v1';
export * from './topics/slack/mirror.v1';
export * from './topics/identity/account-recorded.v1';
export * from './topics/message/message.v1';
export * from './topics/message/message.v2';
export * from './topics/message/notice.v1';
export * from './topics/message/reaction.v1';
export * from './topics/channel/channel-link.v1';
export * from './topics/messaging/dead-letter.v1';
